// The reference interpreter's elementwise ops (activations, unary, binary), Softmax, ReduceMean
// and Resize/Upsample, on small cases computed by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"
#include "ref/op_call.h"
#include "ref_op_test_util.h"

namespace nnd::ref {
namespace {

using namespace test_util;  // NOLINT(google-build-using-namespace): test shorthands

Tensor i64(Shape shape, std::vector<int64_t> values) {
  return Tensor::of<int64_t>(std::move(shape), values);
}
Tensor i32(Shape shape, std::vector<int32_t> values) {
  return Tensor::of<int32_t>(std::move(shape), values);
}

Tensor run(OpFn fn, const std::string& op, Attrs attrs, std::vector<const Tensor*> inputs,
           int64_t opset = 17) {
  Node node;
  node.name = "n";
  node.op_type = op;
  node.attributes = std::move(attrs);
  for (size_t i = 0; i < inputs.size(); ++i)
    node.inputs.push_back(inputs[i] ? "in" + std::to_string(i) : "");
  node.outputs.push_back("out");
  OpCall call{node, opset, std::move(inputs)};
  OpOutputs outs = fn(call);
  EXPECT_EQ(outs.size(), 1u);
  return outs.at(0);
}

void expect_values(const Tensor& t, Shape shape, std::vector<double> values, double tol = 1e-6) {
  ASSERT_EQ(shape_string(t.shape()), shape_string(shape));
  std::vector<double> got = t.to_doubles();
  ASSERT_EQ(got.size(), values.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], values[i], tol) << "at " << i;
}

// ---------------------------------------------------------------------------------------------
// Correctness

TEST(RefBinary, AddBroadcastsAColumnAgainstARow) {
  Tensor a = f32({2, 1}, {1, 2});
  Tensor b = f32({3}, {10, 20, 30});
  Tensor y = run(op_Add, "Add", {}, {&a, &b});
  EXPECT_EQ(y.dtype(), DType::kFloat32);
  expect_values(y, {2, 3}, {11, 21, 31, 12, 22, 32});
}

TEST(RefBinary, IntegersAreExactAndWrapLikeNumpy) {
  Tensor big = i64({1}, {(int64_t{1} << 60) + 1});
  Tensor one = i64({}, {1});
  EXPECT_EQ(run(op_Add, "Add", {}, {&big, &one}).to_int64s()[0], (int64_t{1} << 60) + 2);
  Tensor a = Tensor::of<uint8_t>({2}, {3, 200});
  Tensor b = Tensor::of<uint8_t>({2}, {5, 100});
  EXPECT_EQ(run(op_Sub, "Sub", {}, {&a, &b}).to_int64s(), (Ints{254, 100}));
  EXPECT_EQ(run(op_Add, "Add", {}, {&a, &b}).to_int64s(), (Ints{8, 44}));
}

TEST(RefBinary, IntegerDivTruncatesTowardZero) {
  Tensor a = i32({4}, {7, -7, 7, -7});
  Tensor b = i32({4}, {2, 2, -2, -2});
  Tensor y = run(op_Div, "Div", {}, {&a, &b});
  EXPECT_EQ(y.dtype(), DType::kInt32);
  EXPECT_EQ(y.to_int64s(), (Ints{3, -3, -3, 3}));
}

TEST(RefBinary, PowKeepsTheBaseType) {
  Tensor base = i32({3}, {2, 3, -2});
  Tensor exponent = f32({3}, {0.5f, 2, 3});
  Tensor y = run(op_Pow, "Pow", {}, {&base, &exponent}, 15);
  EXPECT_EQ(y.dtype(), DType::kInt32);
  EXPECT_EQ(y.to_int64s(), (Ints{1, 9, -8}));  // 2^0.5 = 1.41 truncates to 1
  Tensor fbase = f32({2}, {4, 2});
  Tensor iexp = i64({2}, {-1, 10});
  expect_values(run(op_Pow, "Pow", {}, {&fbase, &iexp}, 15), {2}, {0.25, 1024});
  Tensor ibase = i64({3}, {3, -1, 2});
  Tensor iexp2 = i64({3}, {39, -3, -2});
  EXPECT_EQ(run(op_Pow, "Pow", {}, {&ibase, &iexp2}, 15).to_int64s(),
            (Ints{4052555153018976267, -1, 0}));
}

TEST(RefBinary, VariadicMaxMinSumBroadcast) {
  Tensor a = f32({3}, {1, 5, 3});
  Tensor b = f32({2, 1}, {2, 4});
  Tensor c = f32({}, {0});
  expect_values(run(op_Max, "Max", {}, {&a, &b, &c}), {2, 3}, {2, 5, 3, 4, 5, 4});
  expect_values(run(op_Min, "Min", {}, {&a, &b}), {2, 3}, {1, 2, 2, 1, 4, 3});
  expect_values(run(op_Sum, "Sum", {}, {&a, &b, &c}), {2, 3}, {3, 7, 5, 5, 9, 7});
  expect_values(run(op_Sum, "Sum", {}, {&a}), {3}, {1, 5, 3});
  Tensor nan = f32({3}, {NAN, 0, 9});
  std::vector<double> m = run(op_Max, "Max", {}, {&a, &nan}).to_doubles();
  EXPECT_TRUE(std::isnan(m[0]));
  EXPECT_EQ(m[2], 9);
}

TEST(RefBinary, ComparisonsAndWhere) {
  Tensor a = f32({3}, {1, 2, 3});
  Tensor b = f32({}, {2});
  Tensor gt = run(op_Greater, "Greater", {}, {&a, &b});
  EXPECT_EQ(gt.dtype(), DType::kBool);
  EXPECT_EQ(gt.to_int64s(), (Ints{0, 0, 1}));
  EXPECT_EQ(run(op_Less, "Less", {}, {&a, &b}).to_int64s(), (Ints{1, 0, 0}));
  EXPECT_EQ(run(op_Equal, "Equal", {}, {&a, &b}).to_int64s(), (Ints{0, 1, 0}));
  Tensor cond = Tensor::of<bool>({2, 1}, {true, false});
  Tensor x = i64({3}, {1, 2, 3});
  Tensor y = i64({}, {-1});
  Tensor w = run(op_Where, "Where", {}, {&cond, &x, &y});
  EXPECT_EQ(w.dtype(), DType::kInt64);
  expect_values(w, {2, 3}, {1, 2, 3, -1, -1, -1});
}

TEST(RefBinary, LegacyBroadcastAttributeBeforeOpset7) {
  Tensor a = f32({2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor col = f32({2}, {10, 20});
  expect_values(run(op_Add, "Add", {{"broadcast", num(1)}, {"axis", num(0)}}, {&a, &col}, 6),
                {2, 3}, {10, 11, 12, 23, 24, 25});
  Tensor row = f32({3}, {1, 2, 3});
  expect_values(run(op_Mul, "Mul", {{"broadcast", num(1)}}, {&a, &row}, 6), {2, 3},
                {0, 2, 6, 3, 8, 15});
}

TEST(RefActivation, ClipWithAttributesAndWithInputs) {
  Tensor x = f32({3}, {-2, 0.5f, 3});
  expect_values(run(op_Clip, "Clip", {{"min", real(-1)}, {"max", real(1)}}, {&x}, 6), {3},
                {-1, 0.5, 1});
  expect_values(run(op_Clip, "Clip", {{"min", real(0)}}, {&x}, 6), {3}, {0, 0.5, 3});
  Tensor lo = f32({}, {-1});
  Tensor hi = f32({}, {1});
  expect_values(run(op_Clip, "Clip", {}, {&x, &lo, &hi}, 13), {3}, {-1, 0.5, 1});
  expect_values(run(op_Clip, "Clip", {}, {&x, nullptr, &hi}, 13), {3}, {-2, 0.5, 1});
  Tensor q = Tensor::of<int8_t>({3}, {-5, 3, 100});
  Tensor qlo = Tensor::of<int8_t>({}, {0});
  Tensor qhi = Tensor::of<int8_t>({}, {50});
  Tensor y = run(op_Clip, "Clip", {}, {&q, &qlo}, 13);
  EXPECT_EQ(y.dtype(), DType::kInt8);
  EXPECT_EQ(y.to_int64s(), (Ints{0, 3, 100}));
  EXPECT_EQ(run(op_Clip, "Clip", {}, {&q, nullptr, &qhi}, 13).to_int64s(), (Ints{-5, 3, 50}));
  EXPECT_EQ(run(op_Clip, "Clip", {}, {&q}, 13).to_int64s(), (Ints{-5, 3, 100}));
}

TEST(RefActivation, PointwiseFunctions) {
  Tensor x = f32({4}, {-3, -0.5f, 0, 2});
  expect_values(run(op_Relu, "Relu", {}, {&x}), {4}, {0, 0, 0, 2});
  expect_values(run(op_LeakyRelu, "LeakyRelu", {{"alpha", real(0.1f)}}, {&x}), {4},
                {-0.3, -0.05, 0, 2}, 1e-6);
  expect_values(run(op_Sigmoid, "Sigmoid", {}, {&x}), {4},
                {0.0474258732, 0.3775406688, 0.5, 0.8807970780});
  expect_values(run(op_HardSigmoid, "HardSigmoid", {}, {&x}), {4}, {0, 0.4, 0.5, 0.9});
  expect_values(run(op_HardSwish, "HardSwish", {}, {&x}), {4},
                {0, -0.5 * (2.5 / 6), 0, 2 * (5.0 / 6)});
  expect_values(run(op_Tanh, "Tanh", {}, {&x}), {4},
                {-0.9950547537, -0.4621171573, 0, 0.9640275801});
  Tensor ix = i32({3}, {-4, 0, 7});
  EXPECT_EQ(run(op_Relu, "Relu", {}, {&ix}).to_int64s(), (Ints{0, 0, 7}));
}

TEST(RefActivation, PReluSlopeBroadcastsToTheInput) {
  Tensor x = f32({2, 2}, {-1, 2, -3, 4});
  Tensor slope = f32({2}, {0.5f, 0.25f});
  expect_values(run(op_PRelu, "PRelu", {}, {&x, &slope}, 16), {2, 2}, {-0.5, 2, -1.5, 4});
  // Opset 6: a 1-D slope as long as the channel axis is per channel.
  Tensor x3 = f32({1, 2, 3}, {-1, -1, -1, -2, -2, 2});
  expect_values(run(op_PRelu, "PRelu", {}, {&x3, &slope}, 6), {1, 2, 3},
                {-0.5, -0.5, -0.5, -0.5, -0.5, 2});
}

TEST(RefUnary, RoundHalfToEvenAndOthers) {
  Tensor x = f32({8}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f, 2.6f, -2.6f});
  expect_values(run(op_Round, "Round", {}, {&x}), {8}, {0, 2, 2, -0.0, -2, 2, 3, -3});
  Tensor y = f32({3}, {4, 0, -1});
  std::vector<double> s = run(op_Sqrt, "Sqrt", {}, {&y}).to_doubles();
  EXPECT_EQ(s[0], 2);
  EXPECT_TRUE(std::isnan(s[2]));
  expect_values(run(op_Exp, "Exp", {}, {&y}), {3}, {54.5981500331, 1, 0.3678794412}, 1e-5);
  expect_values(run(op_Erf, "Erf", {}, {&y}), {3}, {0.9999999846, 0, -0.8427007929});
  expect_values(run(op_Neg, "Neg", {}, {&y}), {3}, {-4, 0, 1});
  expect_values(run(op_Abs, "Abs", {}, {&y}), {3}, {4, 0, 1});
  Tensor i = Tensor::of<int8_t>({3}, {-128, -3, 5});
  EXPECT_EQ(run(op_Abs, "Abs", {}, {&i}).to_int64s(), (Ints{-128, 3, 5}));  // wraps as numpy
  EXPECT_EQ(run(op_Neg, "Neg", {}, {&i}).to_int64s(), (Ints{-128, 3, -5}));
}

TEST(RefSoftmax, Pre13FlattensFromAxisWhile13UsesOneAxis) {
  Tensor x = f32({1, 2, 2}, {1, 2, 3, 4});
  // Opset 11, default axis 1: one row of 4 values.
  expect_values(run(op_Softmax, "Softmax", {}, {&x}, 11), {1, 2, 2},
                {0.0320586033, 0.0871443187, 0.2368828181, 0.6439142599});
  // Opset 13, default axis -1: rows [1,2] and [3,4].
  expect_values(run(op_Softmax, "Softmax", {}, {&x}, 13), {1, 2, 2},
                {0.2689414214, 0.7310585786, 0.2689414214, 0.7310585786});
  // Opset 13, axis 1: pairs (1,3) and (2,4).
  expect_values(run(op_Softmax, "Softmax", {{"axis", num(1)}}, {&x}, 13), {1, 2, 2},
                {0.1192029220, 0.1192029220, 0.8807970780, 0.8807970780});
  expect_values(run(op_LogSoftmax, "LogSoftmax", {}, {&x}, 13), {1, 2, 2},
                {-1.3132616875, -0.3132616875, -1.3132616875, -0.3132616875});
  expect_values(run(op_LogSoftmax, "LogSoftmax", {}, {&x}, 11), {1, 2, 2},
                {-3.4401896985, -2.4401896985, -1.4401896985, -0.4401896985});
  // Large inputs do not overflow.
  Tensor big = f32({2}, {1000, 1000});
  expect_values(run(op_Softmax, "Softmax", {}, {&big}, 13), {2}, {0.5, 0.5});
}

TEST(RefReduce, ReduceMeanAxesAndKeepdims) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  expect_values(run(op_ReduceMean, "ReduceMean", {{"axes", ints({1})}}, {&x}, 13), {2, 1}, {2, 5});
  expect_values(
      run(op_ReduceMean, "ReduceMean", {{"axes", ints({-2})}, {"keepdims", num(0)}}, {&x}, 13), {3},
      {2.5, 3.5, 4.5});
  expect_values(run(op_ReduceMean, "ReduceMean", {}, {&x}, 13), {1, 1}, {3.5});
  expect_values(run(op_ReduceMean, "ReduceMean", {{"keepdims", num(0)}}, {&x}, 13), {}, {3.5});
  Tensor axes = i64({1}, {0});
  expect_values(run(op_ReduceMean, "ReduceMean", {}, {&x, &axes}, 18), {1, 3}, {2.5, 3.5, 4.5});
  expect_values(run(op_ReduceMean, "ReduceMean", {{"noop_with_empty_axes", num(1)}}, {&x}, 18),
                {2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor ix = i32({2, 2}, {1, 2, 4, 4});
  EXPECT_EQ(run(op_ReduceMean, "ReduceMean", {{"axes", ints({1})}}, {&ix}, 13).to_int64s(),
            (Ints{1, 4}));  // 1.5 truncates
}

TEST(RefResize, NearestOn2x2) {
  Tensor x = f32({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor scales = f32({4}, {1, 1, 2, 2});
  Attrs asym = {{"mode", text("nearest")}, {"coordinate_transformation_mode", text("asymmetric")}};
  // Source coordinates 0, 0.5, 1, 1.5: round_prefer_floor takes 0, 0, 1, 1.
  expect_values(run(op_Resize, "Resize", asym, {&x, nullptr, &scales}, 13), {1, 1, 4, 4},
                {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  // round_prefer_ceil takes 0, 1, 1, 2 -> clamped to 1.
  asym["nearest_mode"] = text("round_prefer_ceil");
  expect_values(run(op_Resize, "Resize", asym, {&x, nullptr, &scales}, 13), {1, 1, 4, 4},
                {1, 2, 2, 2, 3, 4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4});
  // half_pixel: -0.25, 0.25, 0.75, 1.25 round (prefer floor) to 0, 0, 1, 1.
  expect_values(run(op_Resize, "Resize", {}, {&x, nullptr, &scales}, 13), {1, 1, 4, 4},
                {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  // Sizes instead of scales, and a 3x1 output.
  Tensor sizes = i64({4}, {1, 1, 3, 1});
  expect_values(run(op_Resize, "Resize", asym, {&x, nullptr, nullptr, &sizes}, 13), {1, 1, 3, 1},
                {1, 3, 3});
}

TEST(RefResize, LinearOn2x2WithTwoCoordinateModes) {
  Tensor x = f32({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor scales = f32({4}, {1, 1, 2, 2});
  // half_pixel: source positions -0.25, 0.25, 0.75, 1.25 -> fractions 0, .25, .75, 1 (edges
  // clamp); the value is 1 + col + 2 row.
  expect_values(run(op_Resize, "Resize", {{"mode", text("linear")}}, {&x, nullptr, &scales}, 13),
                {1, 1, 4, 4},
                {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4});
  // align_corners: positions 0, 1/3, 2/3, 1.
  const double t = 1.0 / 3;
  std::vector<double> want;
  for (double r : {0.0, t, 2 * t, 1.0})
    for (double c : {0.0, t, 2 * t, 1.0}) want.push_back(1 + c + 2 * r);
  expect_values(
      run(op_Resize, "Resize",
          {{"mode", text("linear")}, {"coordinate_transformation_mode", text("align_corners")}},
          {&x, nullptr, &scales}, 13),
      {1, 1, 4, 4}, want);
}

TEST(RefResize, CubicCropAndLegacyForms) {
  // Cubic on a ramp reproduces it, except next to the ends where the edge is repeated: at 0.5
  // the weights -0.09375, 0.59375, 0.59375, -0.09375 read 0, 0, 1, 2.
  Tensor ramp = f32({1, 8}, {0, 1, 2, 3, 4, 5, 6, 7});
  Tensor sizes = i64({2}, {1, 15});
  Tensor y =
      run(op_Resize, "Resize",
          {{"mode", text("cubic")}, {"coordinate_transformation_mode", text("align_corners")}},
          {&ramp, nullptr, nullptr, &sizes}, 13);
  expect_values(y, {1, 15}, {0, 0.40625, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.59375, 7});
  // tf_crop_and_resize: the crop [0.5, 1.5] of a 1-D [0, 10] extends past the end.
  Tensor line = f32({2}, {0, 10});
  Tensor roi = f32({2}, {0.5f, 1.5f});
  Tensor three = i64({1}, {3});
  expect_values(run(op_Resize, "Resize",
                    {{"mode", text("linear")},
                     {"coordinate_transformation_mode", text("tf_crop_and_resize")},
                     {"extrapolation_value", real(-1)}},
                    {&line, &roi, nullptr, &three}, 13),
                {3}, {5, 10, -1});
  // Resize-10 and Upsample: asymmetric, nearest floors.
  Tensor x = f32({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor scales = f32({4}, {1, 1, 2, 3});
  std::vector<double> want = {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                              3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4};
  expect_values(run(op_Upsample, "Upsample", {}, {&x, &scales}, 9), {1, 1, 4, 6}, want);
  expect_values(run(op_Resize, "Resize", {}, {&x, &scales}, 10), {1, 1, 4, 6}, want);
  expect_values(run(op_Upsample, "Upsample",
                    {{"scales", Attribute{std::vector<float>{1, 1, 2, 3}}}}, {&x}, 7),
                {1, 1, 4, 6}, want);
  Tensor s2 = f32({2}, {1, 4});
  Tensor row = f32({1, 2}, {1, 2});
  expect_values(run(op_Upsample, "Upsample", {{"mode", text("linear")}}, {&row, &s2}, 9), {1, 8},
                {1, 1.25, 1.5, 1.75, 2, 2, 2, 2});
}

// ---------------------------------------------------------------------------------------------
// Must-fail: user errors name the node

TEST(RefElementwiseErrors, ShapesTypesAndCounts) {
  Tensor a = f32({2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor b = f32({4}, {0, 1, 2, 3});
  Tensor ia = i32({2}, {1, 2});
  Tensor zero = i32({2}, {1, 0});
  auto expect_user_error = [](auto&& fn, const std::string& needle) {
    try {
      fn();
      ADD_FAILURE() << "no error, wanted one with '" << needle << "'";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("'n'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_user_error([&] { run(op_Add, "Add", {}, {&a, &b}); }, "cannot be broadcast");
  expect_user_error([&] { run(op_Where, "Where", {}, {&a, &a, &a}); }, "must be bool");
  expect_user_error([&] { run(op_Sum, "Sum", {}, {&a, &b, &a}); }, "cannot be broadcast");
  expect_user_error([&] { run(op_Mul, "Mul", {}, {&a, &ia}); }, "same type");
  expect_user_error([&] { run(op_Add, "Add", {}, {&a}); }, "expects 2 input");
  expect_user_error([&] { run(op_Div, "Div", {}, {&ia, &zero}); }, "division by zero");
  expect_user_error([&] { run(op_Sqrt, "Sqrt", {}, {&ia}); }, "floating-point");
  Tensor row = f32({3}, {1, 2, 3});
  expect_user_error([&] { run(op_Add, "Add", {}, {&a, &row}, 6); }, "broadcast attribute");
  expect_user_error(
      [&] {
        run(op_Add, "Add", {{"broadcast", num(1)}, {"axis", num(0)}}, {&a, &row}, 6);
      },
      "cannot broadcast");
  Tensor slope = f32({2}, {1, 2});
  expect_user_error([&] { run(op_PRelu, "PRelu", {}, {&a, &slope}); }, "cannot be broadcast");
  Tensor wide = f32({2, 3, 3}, std::vector<float>(18, 1));
  expect_user_error([&] { run(op_PRelu, "PRelu", {}, {&row, &wide}); }, "does not broadcast");
  Tensor two = f32({2}, {0, 1});
  expect_user_error([&] { run(op_Clip, "Clip", {}, {&a, &two}, 13); }, "must be a scalar");
  expect_user_error(
      [&] {
        run(op_Softmax, "Softmax", {{"axis", num(2)}}, {&a}, 13);
      },
      "out of range");
  expect_user_error(
      [&] {
        run(op_ReduceMean, "ReduceMean", {{"axes", ints({1, -1})}}, {&a}, 13);
      },
      "twice");
  Tensor scales = f32({2}, {2, 2});
  Tensor sizes = i64({2}, {4, 6});
  expect_user_error(
      [&] {
        run(op_Resize, "Resize", {}, {&a, nullptr, &scales, &sizes}, 13);
      },
      "only one of");
  expect_user_error([&] { run(op_Resize, "Resize", {}, {&a, nullptr, &b}, 13); }, "scales must");
  expect_user_error(
      [&] {
        run(op_Resize, "Resize", {{"mode", text("bicubic")}}, {&a, nullptr, &scales}, 13);
      },
      "unsupported mode");
  Tensor neg = f32({2}, {1, -2});
  expect_user_error([&] { run(op_Resize, "Resize", {}, {&a, nullptr, &neg}, 13); }, "not positive");
  Tensor half = f32({2}, {1, 0.5f});
  expect_user_error([&] { run(op_Upsample, "Upsample", {}, {&a, &half}, 9); }, "below 1");
  expect_user_error(
      [&] {
        run(op_Resize, "Resize", {{"mode", text("cubic")}}, {&a, &scales}, 10);
      },
      "cubic");
}

}  // namespace
}  // namespace nnd::ref
