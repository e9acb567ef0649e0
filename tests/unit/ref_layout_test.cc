// The reference interpreter's data-movement ops (Concat, Split, Slice, Gather, Flatten, Reshape,
// Transpose, Squeeze, Unsqueeze, Pad) and Shape, Cast, Constant, Identity, Dropout, on small cases
// computed by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
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

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

Tensor i64(Shape shape, Ints values) { return Tensor::of<int64_t>(std::move(shape), values); }
Tensor i64s(Ints values) {
  const auto n = static_cast<int64_t>(values.size());
  return i64({n}, std::move(values));
}
// 0, 1, 2, ... in the given shape.
Tensor iota(Shape shape) {
  Tensor t(DType::kFloat32, std::move(shape));
  for (int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

OpOutputs run_all(OpFn fn, const std::string& op, Attrs attrs, std::vector<const Tensor*> inputs,
                  size_t outputs = 1, int64_t opset = 17) {
  Node node;
  node.name = "n";
  node.op_type = op;
  node.attributes = std::move(attrs);
  for (size_t i = 0; i < inputs.size(); ++i)
    node.inputs.push_back(inputs[i] ? "in" + std::to_string(i) : "");
  for (size_t i = 0; i < outputs; ++i) node.outputs.push_back("out" + std::to_string(i));
  OpCall call{node, opset, std::move(inputs)};
  return fn(call);
}

Tensor run(OpFn fn, const std::string& op, Attrs attrs, std::vector<const Tensor*> inputs,
           int64_t opset = 17) {
  OpOutputs outs = run_all(fn, op, std::move(attrs), std::move(inputs), 1, opset);
  EXPECT_EQ(outs.size(), 1u);
  return outs.at(0);
}

void expect_values(const Tensor& t, Shape shape, std::vector<double> values) {
  ASSERT_EQ(shape_string(t.shape()), shape_string(shape));
  EXPECT_EQ(t.to_doubles(), values);
}

// Expects the op to fail with a UserError that names the node and mentions `words`.
void expect_user_error(OpFn fn, const std::string& op, Attrs attrs,
                       std::vector<const Tensor*> inputs, const std::string& words,
                       size_t outputs = 1) {
  try {
    run_all(fn, op, std::move(attrs), std::move(inputs), outputs);
    ADD_FAILURE() << op << ": no error; expected one about '" << words << "'";
  } catch (const UserError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("'n'"), std::string::npos) << what;
    EXPECT_NE(what.find(words), std::string::npos) << what;
  }
}

// ---------------------------------------------------------------------------------------------
// Correctness

TEST(RefLayout, SliceWithNegativeStepsClampsStartsAndEnds) {
  Tensor x = iota({3, 4});
  Tensor starts = i64s({5, -1}), ends = i64s({0, kMin}), axes = i64s({0, 1}),
         steps = i64s({-1, -2});
  // Axis 0: start 5 clamps to 2, runs down to (not including) 0: rows 2, 1. Axis 1: start -1 is
  // column 3, the end below every index lets it run to column 1 in steps of 2.
  expect_values(run(op_Slice, "Slice", {}, {&x, &starts, &ends, &axes, &steps}), {2, 2},
                {11, 9, 7, 5});
}

TEST(RefLayout, SliceToTheEndWithInt64MaxAndDefaultAxes) {
  Tensor x = iota({2, 4});
  Tensor starts = i64s({1, -3}), ends = i64s({kMax, kMax});
  expect_values(run(op_Slice, "Slice", {}, {&x, &starts, &ends}), {1, 3}, {5, 6, 7});
}

TEST(RefLayout, SliceBeforeOpset10TakesAttributes) {
  Tensor x = iota({2, 4});
  Tensor y = run(op_Slice, "Slice",
                 {{"starts", ints({1})}, {"ends", ints({kMax})}, {"axes", ints({-1})}}, {&x}, 9);
  expect_values(y, {2, 3}, {1, 2, 3, 5, 6, 7});
}

TEST(RefLayout, SliceThatSelectsNothingIsEmpty) {
  Tensor x = iota({4});
  Tensor starts = i64s({3}), ends = i64s({1});
  expect_values(run(op_Slice, "Slice", {}, {&x, &starts, &ends}), {0}, {});
}

TEST(RefLayout, GatherNegativeIndicesOnAxis1) {
  Tensor data = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor indices = i64({1, 2}, {-1, 0});
  expect_values(run(op_Gather, "Gather", {{"axis", num(1)}}, {&data, &indices}), {2, 1, 2},
                {3, 1, 6, 4});
}

TEST(RefLayout, GatherScalarIndexDropsTheAxis) {
  Tensor data = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor index = Tensor::of<int32_t>({}, {2});
  expect_values(run(op_Gather, "Gather", {}, {&data, &index}), {2}, {5, 6});
}

TEST(RefLayout, ReshapeCopiesZeroAndInfersMinusOne) {
  Tensor x = iota({2, 3, 4});
  Tensor shape = i64s({0, -1});
  Tensor y = run(op_Reshape, "Reshape", {}, {&x, &shape});
  EXPECT_EQ(y.shape(), (Shape{2, 12}));
  EXPECT_EQ(y.to_doubles(), x.to_doubles());
  Tensor shape2 = i64s({-1, 0, 2});
  EXPECT_EQ(run(op_Reshape, "Reshape", {}, {&x, &shape2}).shape(), (Shape{4, 3, 2}));
}

TEST(RefLayout, ReshapeAllowZeroKeepsZeroAsASize) {
  Tensor x(DType::kFloat32, {0, 3});
  Tensor shape = i64s({3, 0});
  EXPECT_EQ(run(op_Reshape, "Reshape", {{"allowzero", num(1)}}, {&x, &shape}).shape(),
            (Shape{3, 0}));
}

TEST(RefLayout, ReshapeOpset1TakesAnAttribute) {
  Tensor x = iota({6});
  EXPECT_EQ(run(op_Reshape, "Reshape", {{"shape", ints({3, -1})}}, {&x}, 1).shape(), (Shape{3, 2}));
}

TEST(RefLayout, Transpose3D) {
  Tensor x = iota({2, 2, 3});  // x[i][j][k] = 6i + 3j + k
  // y[k][i][j] = x[i][j][k]
  expect_values(run(op_Transpose, "Transpose", {{"perm", ints({2, 0, 1})}}, {&x}), {3, 2, 2},
                {0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11});
}

TEST(RefLayout, TransposeDefaultReversesTheAxes) {
  Tensor x = iota({2, 3});
  expect_values(run(op_Transpose, "Transpose", {}, {&x}), {3, 2}, {0, 3, 1, 4, 2, 5});
}

TEST(RefLayout, PadReflect2D) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor pads = i64s({1, 2, 1, 1});
  expect_values(run(op_Pad, "Pad", {{"mode", text("reflect")}}, {&x, &pads}), {4, 6},
                {6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2});
}

TEST(RefLayout, PadEdge2D) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor pads = i64s({1, 2, 1, 1});
  expect_values(run(op_Pad, "Pad", {{"mode", text("edge")}}, {&x, &pads}), {4, 6},
                {1, 1, 1, 2, 3, 3, 1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6, 4, 4, 4, 5, 6, 6});
}

TEST(RefLayout, PadConstantWithNegativePadsCrops) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor pads = i64s({0, -1, 1, 0});
  Tensor value = f32({}, {9});
  expect_values(run(op_Pad, "Pad", {}, {&x, &pads, &value}), {3, 2}, {2, 3, 5, 6, 9, 9});
}

TEST(RefLayout, PadOpset18AxesAndOldAttributes) {
  Tensor x = f32({2, 2}, {1, 2, 3, 4});
  Tensor pads = i64s({1, 0});
  Tensor axes = i64s({-1});
  expect_values(run(op_Pad, "Pad", {}, {&x, &pads, nullptr, &axes}, 18), {2, 3},
                {0, 1, 2, 0, 3, 4});
  expect_values(run(op_Pad, "Pad", {{"pads", ints({0, 1, 0, 0})}, {"value", real(7)}}, {&x}, 2),
                {2, 3}, {7, 1, 2, 7, 3, 4});
}

TEST(RefLayout, SplitUneven) {
  Tensor x = f32({5}, {1, 2, 3, 4, 5});
  Tensor split = i64s({2, 3});
  OpOutputs outs = run_all(op_Split, "Split", {}, {&x, &split}, 2);
  ASSERT_EQ(outs.size(), 2u);
  expect_values(outs[0], {2}, {1, 2});
  expect_values(outs[1], {3}, {3, 4, 5});
  // Opset 18 with num_outputs: chunks of ceil(5 / 3) = 2, the last one smaller.
  outs = run_all(op_Split, "Split", {{"num_outputs", num(3)}}, {&x}, 3, 18);
  ASSERT_EQ(outs.size(), 3u);
  expect_values(outs[2], {1}, {5});
  // Before opset 13 the sizes are an attribute.
  outs = run_all(op_Split, "Split", {{"split", ints({4, 1})}}, {&x}, 2, 11);
  expect_values(outs[1], {1}, {5});
}

TEST(RefLayout, SplitEquallyAlongAxis1) {
  Tensor x = iota({2, 4});
  OpOutputs outs = run_all(op_Split, "Split", {{"axis", num(-1)}}, {&x}, 2);
  expect_values(outs[0], {2, 2}, {0, 1, 4, 5});
  expect_values(outs[1], {2, 2}, {2, 3, 6, 7});
}

TEST(RefLayout, ConcatAndReshapeKeepInt64AboveTwoTo53Exactly) {
  const int64_t big = (int64_t{1} << 53) + 1;
  Tensor a = i64({1, 2}, {big, kMin});
  Tensor b = i64({1, 1}, {-(int64_t{1} << 62) + 3});
  Tensor c = run(op_Concat, "Concat", {{"axis", num(1)}}, {&a, &b});
  EXPECT_EQ(c.dtype(), DType::kInt64);
  EXPECT_EQ(c.shape(), (Shape{1, 3}));
  EXPECT_EQ(c.to_int64s(), (Ints{big, kMin, -(int64_t{1} << 62) + 3}));
  Tensor shape = i64s({-1});
  Tensor r = run(op_Reshape, "Reshape", {}, {&c, &shape});
  EXPECT_EQ(r.to_int64s(), c.to_int64s());
  Tensor t = run(op_Transpose, "Transpose", {}, {&c});
  EXPECT_EQ(t.to_int64s(), c.to_int64s());
}

TEST(RefLayout, ConcatAxis0OfBools) {
  Tensor a = Tensor::of<bool>({1, 2}, {true, false});
  Tensor b = Tensor::of<bool>({2, 2}, {false, true, true, true});
  Tensor c = run(op_Concat, "Concat", {{"axis", num(-2)}}, {&a, &b});
  EXPECT_EQ(c, Tensor::of<bool>({3, 2}, {true, false, false, true, true, true}));
}

TEST(RefLayout, FlattenSqueezeUnsqueeze) {
  Tensor x = iota({2, 3, 4});
  EXPECT_EQ(run(op_Flatten, "Flatten", {{"axis", num(-1)}}, {&x}).shape(), (Shape{6, 4}));
  EXPECT_EQ(run(op_Flatten, "Flatten", {{"axis", num(0)}}, {&x}).shape(), (Shape{1, 24}));
  EXPECT_EQ(run(op_Flatten, "Flatten", {{"axis", num(3)}}, {&x}).shape(), (Shape{24, 1}));
  Tensor axes = i64s({-1, 1});
  Tensor u = run(op_Unsqueeze, "Unsqueeze", {}, {&x, &axes});
  EXPECT_EQ(u.shape(), (Shape{2, 1, 3, 4, 1}));
  EXPECT_EQ(run(op_Squeeze, "Squeeze", {}, {&u}).shape(), (Shape{2, 3, 4}));
  Tensor one = i64s({-1});
  EXPECT_EQ(run(op_Squeeze, "Squeeze", {}, {&u, &one}).shape(), (Shape{2, 1, 3, 4}));
  EXPECT_EQ(run(op_Unsqueeze, "Unsqueeze", {{"axes", ints({0})}}, {&x}, 11).shape(),
            (Shape{1, 2, 3, 4}));
}

TEST(RefMisc, ShapeWithStartAndEnd) {
  Tensor x(DType::kFloat32, {2, 3, 4, 5});
  EXPECT_EQ(run(op_Shape, "Shape", {}, {&x}).to_int64s(), (Ints{2, 3, 4, 5}));
  EXPECT_EQ(run(op_Shape, "Shape", {{"start", num(1)}, {"end", num(-1)}}, {&x}).to_int64s(),
            (Ints{3, 4}));
  EXPECT_EQ(run(op_Shape, "Shape", {{"start", num(-10)}, {"end", num(10)}}, {&x}).to_int64s(),
            (Ints{2, 3, 4, 5}));
  EXPECT_EQ(run(op_Shape, "Shape", {{"start", num(3)}, {"end", num(1)}}, {&x}).size(), 0);
}

TEST(RefMisc, CastFloatToInt8TruncatesTowardZero) {
  Tensor x = f32({6}, {-1.7f, 1.7f, 127.9f, -128.5f, 300.0f, NAN});
  Tensor y = run(op_Cast, "Cast", {{"to", num(3)}}, {&x});
  EXPECT_EQ(y.dtype(), DType::kInt8);
  // Out of range (undefined in ONNX) saturates and NaN becomes 0, like the other ref ops.
  EXPECT_EQ(y, Tensor::of<int8_t>({6}, {-1, 1, 127, -128, 127, 0}));
}

TEST(RefMisc, CastToFloat16RoundsToNearestEven) {
  // 1 + 2^-11 is halfway between 1 and the next half; 1 + 3 * 2^-11 halfway to an even mantissa.
  Tensor x = f32({4}, {1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 65520.0f, -0.0f});
  Tensor y = run(op_Cast, "Cast", {{"to", num(10)}}, {&x});
  ASSERT_EQ(y.dtype(), DType::kFloat16);
  const Half* h = y.data<Half>();
  EXPECT_EQ(h[0].bits, 0x3C00);
  EXPECT_EQ(h[1].bits, 0x3C02);
  EXPECT_EQ(h[2].bits, 0x7C00);  // above the largest half: infinity
  EXPECT_EQ(h[3].bits, 0x8000);
  // Just above a tie: rounding to float first would make it a tie and round down.
  Tensor d = Tensor::of<double>({1}, {1.0 + 0x1p-11 + 0x1p-40});
  EXPECT_EQ(run(op_Cast, "Cast", {{"to", num(10)}}, {&d}).data<Half>()[0].bits, 0x3C01);
}

TEST(RefMisc, CastBetweenIntegersAndBools) {
  Tensor x = i64s({(int64_t{1} << 32) + 5, -1, 0, (int64_t{1} << 53) + 1});
  EXPECT_EQ(run(op_Cast, "Cast", {{"to", num(6)}}, {&x}), Tensor::of<int32_t>({4}, {5, -1, 0, 1}));
  EXPECT_EQ(run(op_Cast, "Cast", {{"to", num(9)}}, {&x}),
            Tensor::of<bool>({4}, {true, true, false, true}));
  Tensor f = f32({4}, {0.0f, -0.0f, 0.5f, NAN});
  EXPECT_EQ(run(op_Cast, "Cast", {{"to", text("BOOL")}}, {&f}, 1),
            Tensor::of<bool>({4}, {false, false, true, true}));
  Tensor b = Tensor::of<bool>({2}, {true, false});
  EXPECT_EQ(run(op_Cast, "Cast", {{"to", num(1)}}, {&b}), f32({2}, {1, 0}));
}

TEST(RefMisc, ConstantFromEachKindOfAttribute) {
  Tensor value = i64s({kMax});
  EXPECT_EQ(run(op_Constant, "Constant", {{"value", Attribute{value}}}, {}), value);
  EXPECT_EQ(run(op_Constant, "Constant", {{"value_ints", ints({1, 2})}}, {}), i64s({1, 2}));
  EXPECT_EQ(run(op_Constant, "Constant", {{"value_float", real(2.5f)}}, {}), f32({}, {2.5f}));
}

TEST(RefMisc, DropoutInInferenceIsIdentityWithAllTrueMask) {
  Tensor x = f32({3}, {1, 2, 3});
  Tensor ratio = f32({}, {0.3f});
  OpOutputs outs = run_all(op_Dropout, "Dropout", {}, {&x, &ratio}, 2);
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0], x);
  EXPECT_EQ(outs[1], Tensor::of<bool>({3}, {true, true, true}));
  Tensor zero = f32({}, {0.0f});
  Tensor training = Tensor::of<bool>({}, {true});
  EXPECT_EQ(run(op_Dropout, "Dropout", {}, {&x, &zero, &training}), x);
}

// ---------------------------------------------------------------------------------------------
// Must-fail: user errors name the node

TEST(RefLayoutErrors, ReshapeToAnIncompatibleSize) {
  Tensor x = iota({2, 3});
  Tensor shape = i64s({4, 2});
  expect_user_error(op_Reshape, "Reshape", {}, {&x, &shape}, "cannot reshape");
  Tensor inferred = i64s({4, -1});
  expect_user_error(op_Reshape, "Reshape", {}, {&x, &inferred}, "-1");
  Tensor two = i64s({-1, -1});
  expect_user_error(op_Reshape, "Reshape", {}, {&x, &two}, "more than one -1");
}

TEST(RefLayoutErrors, GatherIndexOutOfRange) {
  Tensor data = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor indices = i64s({0, 3});
  expect_user_error(op_Gather, "Gather", {{"axis", num(1)}}, {&data, &indices},
                    "index 3 is out of range");
  Tensor low = i64s({-3});
  expect_user_error(op_Gather, "Gather", {}, {&data, &low}, "out of range");
}

TEST(RefLayoutErrors, BadAxesSizesAndPermutations) {
  Tensor x = iota({2, 3});
  expect_user_error(op_Concat, "Concat", {{"axis", num(2)}}, {&x, &x}, "out of range");
  Tensor y = iota({3, 3});
  expect_user_error(op_Concat, "Concat", {{"axis", num(1)}}, {&x, &y}, "differ only along axis 1");
  Tensor split = i64s({1, 2});
  expect_user_error(op_Split, "Split", {}, {&x, &split}, "summing to 2", 2);
  expect_user_error(op_Split, "Split", {{"axis", num(1)}}, {&x}, "evenly", 2);
  expect_user_error(op_Transpose, "Transpose", {{"perm", ints({0, 0})}}, {&x}, "not a permutation");
  Tensor axes = i64s({0});
  expect_user_error(op_Squeeze, "Squeeze", {}, {&x, &axes}, "cannot squeeze");
  Tensor starts = i64s({0}), ends = i64s({1}), slice_axes = i64s({0}), steps = i64s({0});
  expect_user_error(op_Slice, "Slice", {}, {&x, &starts, &ends, &slice_axes, &steps}, "step");
  Tensor pads = i64s({0, 0, -3, 0});
  expect_user_error(op_Pad, "Pad", {}, {&x, &pads}, "crop more");
  expect_user_error(op_Flatten, "Flatten", {{"axis", num(3)}}, {&x}, "out of range");
}

TEST(RefMiscErrors, CastToAnUnsupportedTypeAndDropoutRatioOfOne) {
  Tensor x = f32({1}, {1});
  expect_user_error(op_Cast, "Cast", {{"to", num(8)}}, {&x}, "not supported");
  Tensor ratio = f32({}, {1.0f});
  Tensor training = Tensor::of<bool>({}, {true});
  expect_user_error(op_Dropout, "Dropout", {}, {&x, &ratio, &training}, "outside [0, 1)");
}

TEST(RefMisc, TrainingDropoutIsSeededAndScalesWhatItKeeps) {
  Tensor x = f32({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor ratio = f32({}, {0.5f});
  Tensor training = Tensor::of<bool>({}, {true});
  OpOutputs a = run_all(op_Dropout, "Dropout", {{"seed", num(3)}}, {&x, &ratio, &training}, 2);
  OpOutputs b = run_all(op_Dropout, "Dropout", {{"seed", num(3)}}, {&x, &ratio, &training}, 2);
  EXPECT_EQ(a[0].to_doubles(), b[0].to_doubles());
  std::vector<double> y = a[0].to_doubles(), in = x.to_doubles();
  std::vector<int64_t> mask = a[1].to_int64s();
  int kept = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    EXPECT_EQ(y[i], mask[i] ? in[i] * 2 : 0.0) << i;
    kept += static_cast<int>(mask[i]);
  }
  EXPECT_GT(kept, 0);
  EXPECT_LT(kept, 8);
  // Inference mode passes the input through with an all-true mask.
  Tensor off = Tensor::of<bool>({}, {false});
  OpOutputs c = run_all(op_Dropout, "Dropout", {}, {&x, &ratio, &off}, 2);
  EXPECT_EQ(c[0].to_doubles(), in);
  EXPECT_EQ(c[1].to_int64s(), std::vector<int64_t>(8, 1));
}

}  // namespace
}  // namespace nnd::ref
