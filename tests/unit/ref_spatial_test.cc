// The reference interpreter's spatial and linear ops: Conv, ConvTranspose, Gemm, MatMul, the
// normalizations and the pools, on small cases computed by hand.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"
#include "ref/op_call.h"
#include "ref_op_test_util.h"

namespace nnd::ref {
namespace {

using namespace test_util;  // NOLINT(google-build-using-namespace): test shorthands

// 0, 1, 2, ... in the given shape.
Tensor iota(Shape shape, float start = 0) {
  std::vector<float> v(static_cast<size_t>(element_count(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<float>(i);
  return f32(std::move(shape), v);
}

OpOutputs run(OpFn fn, const std::string& op, Attrs attrs, std::vector<const Tensor*> inputs,
              size_t outputs = 1, int64_t opset = 17) {
  Node node;
  node.name = "n";
  node.op_type = op;
  node.attributes = std::move(attrs);
  for (size_t i = 0; i < inputs.size(); ++i) node.inputs.push_back("in" + std::to_string(i));
  for (size_t i = 0; i < outputs; ++i) node.outputs.push_back("out" + std::to_string(i));
  OpCall call{node, opset, std::move(inputs)};
  return fn(call);
}

void expect_values(const Tensor& t, Shape shape, std::vector<double> values, double tol = 1e-5) {
  ASSERT_EQ(shape_string(t.shape()), shape_string(shape));
  std::vector<double> got = t.to_doubles();
  ASSERT_EQ(got.size(), values.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], values[i], tol) << "at " << i;
}

// ---------------------------------------------------------------------------------------------
// Correctness

TEST(RefConv, PaddedStride2With2OutputChannelsAndBias) {
  // x[i][j] = 5i + j; channel 0 sums each padded 3x3 window, channel 1 doubles it, plus bias.
  Tensor x = iota({1, 1, 5, 5});
  std::vector<float> k(18, 1.0f);
  std::fill(k.begin() + 9, k.end(), 2.0f);
  Tensor w = f32({2, 1, 3, 3}, k);
  Tensor b = f32({2}, {0.0f, 0.5f});
  OpOutputs y =
      run(op_Conv, "Conv", {{"pads", ints({1, 1, 1, 1})}, {"strides", ints({2, 2})}}, {&x, &w, &b});
  expect_values(y[0], {1, 2, 3, 3},
                {12, 27, 24, 63, 108, 81, 72, 117, 84,  //
                 24.5, 54.5, 48.5, 126.5, 216.5, 162.5, 144.5, 234.5, 168.5});
  EXPECT_EQ(y[0].dtype(), DType::kFloat32);
}

TEST(RefConv, AsymmetricPadsAndAutoPad) {
  Tensor x = iota({1, 1, 5, 5});
  Tensor w = f32({1, 1, 3, 3}, std::vector<float>(9, 1.0f));
  OpOutputs y =
      run(op_Conv, "Conv", {{"pads", ints({1, 0, 1, 0})}, {"strides", ints({2, 2})}}, {&x, &w});
  expect_values(y[0], {1, 1, 3, 2}, {21, 33, 99, 117, 111, 123});
  // 1-D, kernel 2, odd total padding: SAME_UPPER pads the end, SAME_LOWER the beginning.
  Tensor x1 = f32({1, 1, 4}, {1, 2, 3, 4});
  Tensor w1 = f32({1, 1, 2}, {1, 10});
  expect_values(run(op_Conv, "Conv", {{"auto_pad", text("SAME_UPPER")}}, {&x1, &w1})[0], {1, 1, 4},
                {21, 32, 43, 4});
  expect_values(run(op_Conv, "Conv", {{"auto_pad", text("SAME_LOWER")}}, {&x1, &w1})[0], {1, 1, 4},
                {10, 21, 32, 43});
  expect_values(
      run(op_Conv, "Conv", {{"auto_pad", text("VALID")}, {"pads", ints({5, 5})}}, {&x1, &w1})[0],
      {1, 1, 3}, {21, 32, 43});
}

TEST(RefConv, GroupedPointwiseAndDepthwise) {
  Tensor x = f32({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor w = f32({2, 1, 1, 1}, {2, -1});
  expect_values(run(op_Conv, "Conv", {{"group", num(2)}}, {&x, &w})[0], {1, 2, 2, 2},
                {2, 4, 6, 8, -5, -6, -7, -8});
  // Depthwise 2x2: channel 0 (0..8) summed, channel 1 (9..17) summed and negated.
  Tensor x3 = iota({1, 2, 3, 3});
  std::vector<float> k(8, 1.0f);
  std::fill(k.begin() + 4, k.end(), -1.0f);
  Tensor w3 = f32({2, 1, 2, 2}, k);
  expect_values(run(op_Conv, "Conv", {{"group", num(2)}}, {&x3, &w3})[0], {1, 2, 2, 2},
                {8, 12, 20, 24, -44, -48, -56, -60});
  // Two groups of two input channels, one output channel each: no mixing across groups.
  Tensor x4 = f32({1, 4, 1, 1}, {1, 2, 3, 4});
  Tensor w4 = f32({2, 2, 1, 1}, {1, 10, 100, 1000});
  expect_values(run(op_Conv, "Conv", {{"group", num(2)}}, {&x4, &w4})[0], {1, 2, 1, 1}, {21, 4300});
}

TEST(RefConv, Dilated1DAnd3D) {
  Tensor x = f32({1, 1, 7}, {1, 2, 3, 4, 5, 6, 7});
  Tensor w = f32({1, 1, 3}, {1, 10, 100});
  expect_values(run(op_Conv, "Conv", {{"dilations", ints({2})}}, {&x, &w})[0], {1, 1, 3},
                {531, 642, 753});
  Tensor x3 = iota({1, 1, 2, 2, 2}, 1);
  Tensor w3 = f32({1, 1, 2, 2, 2}, std::vector<float>(8, 1.0f));
  Tensor b3 = f32({1}, {-6});
  expect_values(run(op_Conv, "Conv", {{"kernel_shape", ints({2, 2, 2})}}, {&x3, &w3, &b3})[0],
                {1, 1, 1, 1, 1}, {30});
}

TEST(RefConv, KeepsDoubleAndHalfDtypes) {
  Tensor x = Tensor::of<double>({1, 1, 3}, {1, 2, 3});
  Tensor w = Tensor::of<double>({1, 1, 2}, {0.5, 0.25});
  OpOutputs y = run(op_Conv, "Conv", {}, {&x, &w});
  EXPECT_EQ(y[0].dtype(), DType::kFloat64);
  expect_values(y[0], {1, 1, 2}, {1.0, 1.75}, 0);
  Tensor xh = x.cast(DType::kFloat16), wh = w.cast(DType::kFloat16);
  OpOutputs yh = run(op_Conv, "Conv", {}, {&xh, &wh});
  EXPECT_EQ(yh[0].dtype(), DType::kFloat16);
  expect_values(yh[0], {1, 1, 2}, {1.0, 1.75}, 0);
}

// The straightforward definition, summing in the order the interpreter promises (bias, input
// channels, kernel taps row-major), so its fast paths must match it bit for bit.
std::vector<double> naive_conv(const std::vector<double>& x, const Shape& xs,
                               const std::vector<double>& w, const Shape& ws,
                               const std::vector<double>& b, int64_t group, const Ints& strides,
                               const Ints& dil, const Ints& pads, Shape& ys) {
  const size_t n = xs.size() - 2;
  ys = {xs[0], ws[0]};
  for (size_t i = 0; i < n; ++i)
    ys.push_back((xs[2 + i] + pads[i] + pads[n + i] - (ws[2 + i] - 1) * dil[i] - 1) / strides[i] +
                 1);
  std::vector<double> y(static_cast<size_t>(element_count(ys)));
  const int64_t cin = ws[1], cout = ws[0] / group;
  const Shape out_sp(ys.begin() + 2, ys.end()), k_sp(ws.begin() + 2, ws.end());
  const std::vector<int64_t> xst = strides_of(xs), wst = strides_of(ws);
  for (int64_t i = 0; i < static_cast<int64_t>(y.size()); ++i) {
    std::vector<int64_t> o(ys.size());
    for (int64_t r = i, d = static_cast<int64_t>(ys.size()) - 1; d >= 0; --d)
      o[d] = r % ys[d], r /= ys[d];
    const int64_t oc = o[1], g = oc / cout;
    double acc = b.empty() ? 0.0 : b[oc];
    for (int64_t ic = 0; ic < cin; ++ic)
      for (int64_t t = 0; t < element_count(k_sp); ++t) {
        int64_t xi = o[0] * xst[0] + (g * cin + ic) * xst[1], wi = oc * wst[0] + ic * wst[1];
        bool inside = true;
        for (int64_t r = t, d = static_cast<int64_t>(n) - 1; d >= 0; --d) {
          const int64_t k = r % k_sp[d];
          r /= k_sp[d];
          const int64_t at = o[2 + d] * strides[d] + k * dil[d] - pads[d];
          inside = inside && at >= 0 && at < xs[2 + d];
          xi += at * xst[2 + d];
          wi += k * wst[2 + d];
        }
        if (inside) acc += w[wi] * x[xi];
      }
    y[i] = acc;
  }
  return y;
}

TEST(RefConv, MatchesNaiveDefinitionExactly) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> value(-1, 1);
  auto random = [&](Shape s) {
    std::vector<double> v(static_cast<size_t>(element_count(s)));
    for (double& e : v) e = value(rng);
    return Tensor::of<double>(std::move(s), v);
  };
  struct Case {
    Shape x, w;
    int64_t group;
    Ints strides, dil, pads;
  };
  const Case cases[] = {
      {{2, 4, 9}, {6, 2, 3}, 2, {2}, {1}, {1, 2}},
      {{1, 3, 7, 6}, {4, 3, 3, 2}, 1, {1, 2}, {2, 1}, {2, 0, 1, 3}},
      {{1, 4, 8, 8}, {8, 1, 3, 3}, 4, {2, 2}, {1, 1}, {1, 1, 1, 1}},
      {{2, 6, 5, 5}, {4, 6, 1, 1}, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}},
      {{1, 2, 33, 40}, {3, 2, 1, 1}, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}},
      {{1, 2, 5, 4, 6}, {2, 1, 2, 3, 2}, 2, {1, 2, 1}, {2, 1, 1}, {1, 0, 1, 0, 2, 1}},
  };
  for (const Case& c : cases) {
    Tensor x = random(c.x), w = random(c.w), b = random({c.w[0]});
    OpOutputs y = run(op_Conv, "Conv",
                      {{"group", num(c.group)},
                       {"strides", ints(c.strides)},
                       {"dilations", ints(c.dil)},
                       {"pads", ints(c.pads)}},
                      {&x, &w, &b});
    Shape ys;
    std::vector<double> want = naive_conv(x.to_doubles(), c.x, w.to_doubles(), c.w, b.to_doubles(),
                                          c.group, c.strides, c.dil, c.pads, ys);
    ASSERT_EQ(y[0].shape(), ys) << shape_string(c.x);
    EXPECT_EQ(y[0].to_doubles(), want) << shape_string(c.x);
  }
}

TEST(RefConvTranspose, Stride2WithOutputPaddingPadsAndOutputShape) {
  Tensor x = f32({1, 1, 2}, {1, 2});
  Tensor w = f32({1, 1, 3}, {1, 10, 100});
  expect_values(run(op_ConvTranspose, "ConvTranspose", {{"strides", ints({2})}}, {&x, &w})[0],
                {1, 1, 5}, {1, 10, 102, 20, 200});
  expect_values(run(op_ConvTranspose, "ConvTranspose",
                    {{"strides", ints({2})}, {"output_padding", ints({1})}}, {&x, &w})[0],
                {1, 1, 6}, {1, 10, 102, 20, 200, 0});
  expect_values(run(op_ConvTranspose, "ConvTranspose",
                    {{"strides", ints({2})}, {"output_padding", ints({1})}, {"pads", ints({1, 0})}},
                    {&x, &w})[0],
                {1, 1, 5}, {10, 102, 20, 200, 0});
  // output_shape one larger than the full result: a negative total padding, zeros at the end.
  expect_values(run(op_ConvTranspose, "ConvTranspose",
                    {{"strides", ints({2})}, {"output_shape", ints({6})}}, {&x, &w})[0],
                {1, 1, 6}, {1, 10, 102, 20, 200, 0});
  // SAME_UPPER: output = input * stride = 4 of the full 5; the odd pad goes at the end.
  expect_values(run(op_ConvTranspose, "ConvTranspose",
                    {{"strides", ints({2})}, {"auto_pad", text("SAME_UPPER")}}, {&x, &w})[0],
                {1, 1, 4}, {1, 10, 102, 20});
  expect_values(run(op_ConvTranspose, "ConvTranspose",
                    {{"strides", ints({2})}, {"auto_pad", text("SAME_LOWER")}}, {&x, &w})[0],
                {1, 1, 4}, {10, 102, 20, 200});
}

TEST(RefConvTranspose, TwoDimensionalDilatedAndGrouped) {
  Tensor x = f32({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor w = f32({1, 1, 2, 2}, {1, 1, 1, 1});
  expect_values(run(op_ConvTranspose, "ConvTranspose",
                    {{"strides", ints({2, 2})}, {"output_padding", ints({1, 1})}}, {&x, &w})[0],
                {1, 1, 5, 5},
                {1, 1, 2, 2, 0, 1, 1, 2, 2, 0, 3, 3, 4, 4, 0, 3, 3, 4, 4, 0, 0, 0, 0, 0, 0});
  // Dilation 2 on a stride-1 1-D input: taps land two apart and overlap.
  Tensor x1 = f32({1, 1, 3}, {1, 2, 3});
  Tensor w1 = f32({1, 1, 2}, {1, 10});
  expect_values(run(op_ConvTranspose, "ConvTranspose", {{"dilations", ints({2})}}, {&x1, &w1})[0],
                {1, 1, 5}, {1, 2, 13, 20, 30});
  // Two groups, weight (C=2, M/group=1, k=2), bias per output channel.
  Tensor xg = f32({1, 2, 1}, {1, 2});
  Tensor wg = f32({2, 1, 2}, {1, 2, 3, 4});
  Tensor bg = f32({2}, {0.5, -1});
  expect_values(run(op_ConvTranspose, "ConvTranspose", {{"group", num(2)}}, {&xg, &wg, &bg})[0],
                {1, 2, 2}, {1.5, 2.5, 5, 7});
  // One input channel to two output channels.
  Tensor wm = f32({1, 2, 1}, {2, 3});
  expect_values(run(op_ConvTranspose, "ConvTranspose", {}, {&x1, &wm})[0], {1, 2, 3},
                {2, 4, 6, 3, 6, 9});
}

TEST(RefGemm, TransposesAlphaBetaAndBroadcastC) {
  Tensor a = f32({3, 2}, {1, 4, 2, 5, 3, 6});  // A' = [[1,2,3],[4,5,6]]
  Tensor b = f32({2, 3}, {1, 0, 1, 0, 1, 0});  // B' = [[1,0],[0,1],[1,0]]
  Tensor c = f32({2}, {1, -1});
  const Attrs attrs{
      {"transA", num(1)}, {"transB", num(1)}, {"alpha", real(2)}, {"beta", real(0.5)}};
  expect_values(run(op_Gemm, "Gemm", attrs, {&a, &b, &c})[0], {2, 2}, {8.5, 3.5, 20.5, 9.5});
  Tensor col = f32({2, 1}, {1, 2});
  expect_values(run(op_Gemm, "Gemm", attrs, {&a, &b, &col})[0], {2, 2}, {8.5, 4.5, 21, 11});
  Tensor scalar = f32({}, {4});
  expect_values(run(op_Gemm, "Gemm", attrs, {&a, &b, &scalar})[0], {2, 2}, {10, 6, 22, 12});
  expect_values(run(op_Gemm, "Gemm", attrs, {&a, &b})[0], {2, 2}, {8, 4, 20, 10});
  // No transposes: A (2x3) times B (3x2).
  Tensor a2 = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b2 = f32({3, 2}, {1, 0, 0, 1, 1, 0});
  Tensor full = f32({2, 2}, {1, 2, 3, 4});
  expect_values(run(op_Gemm, "Gemm", {}, {&a2, &b2, &full})[0], {2, 2}, {5, 4, 13, 9});
}

TEST(RefMatMul, BatchedBroadcastAndVectors) {
  Tensor a = f32({2, 2, 2}, {1, 2, 3, 4, 0, 1, 1, 0});
  Tensor b = f32({2, 2}, {1, 1, 0, 1});
  expect_values(run(op_MatMul, "MatMul", {}, {&a, &b})[0], {2, 2, 2}, {1, 3, 3, 7, 0, 1, 1, 1});
  Tensor v = f32({2}, {1, 1});
  Tensor m = f32({2, 2}, {1, 2, 3, 4});
  expect_values(run(op_MatMul, "MatMul", {}, {&v, &m})[0], {2}, {4, 6});
  expect_values(run(op_MatMul, "MatMul", {}, {&m, &v})[0], {2}, {3, 7});
  expect_values(run(op_MatMul, "MatMul", {}, {&v, &v})[0], {}, {2});
  expect_values(run(op_MatMul, "MatMul", {}, {&v, &a})[0], {2, 2}, {4, 6, 1, 1});
  // Batch (2,1) with batch (3): the result has batch (2,3).
  Tensor p = f32({2, 1, 1, 2}, {1, 2, 3, 4});
  Tensor q = f32({3, 2, 1}, {1, 0, 0, 1, 1, 1});
  expect_values(run(op_MatMul, "MatMul", {}, {&p, &q})[0], {2, 3, 1, 1}, {1, 2, 3, 3, 4, 7});
}

TEST(RefMaxPool, CeilModeIndicesAndStorageOrder) {
  Tensor x = iota({1, 1, 4, 4}, 1);
  const Attrs attrs{{"kernel_shape", ints({3, 3})}, {"strides", ints({2, 2})}};
  expect_values(run(op_MaxPool, "MaxPool", attrs, {&x})[0], {1, 1, 1, 1}, {11});
  Attrs ceil = attrs;
  ceil["ceil_mode"] = num(1);
  OpOutputs y = run(op_MaxPool, "MaxPool", ceil, {&x}, 2);
  ASSERT_EQ(y.size(), 2u);
  expect_values(y[0], {1, 1, 2, 2}, {11, 12, 15, 16});
  EXPECT_EQ(y[1].to_int64s(), (std::vector<int64_t>{10, 11, 14, 15}));
  ceil["storage_order"] = num(1);
  EXPECT_EQ(run(op_MaxPool, "MaxPool", ceil, {&x}, 2)[1].to_int64s(),
            (std::vector<int64_t>{10, 14, 11, 15}));
  // The last window may not start in the end padding: 2 outputs, not 3 (later ONNX, PyTorch).
  Tensor x2 = f32({1, 1, 2, 2}, {1, 2, 3, 4});
  expect_values(
      run(op_MaxPool, "MaxPool",
          {{"kernel_shape", ints({1, 1})}, {"strides", ints({2, 2})}, {"ceil_mode", num(1)}},
          {&x2})[0],
      {1, 1, 1, 1}, {1});
}

TEST(RefMaxPool, PadsDilationsBatchIndicesAndUint8) {
  Tensor x = f32({2, 1, 5}, {3, 1, 4, 1, 5, -9, -2, -6, -5, -3});
  OpOutputs y =
      run(op_MaxPool, "MaxPool",
          {{"kernel_shape", ints({2})}, {"dilations", ints({2})}, {"pads", ints({1, 1})}}, {&x}, 2);
  // Windows {-1,1}, {0,2}, {1,3}, {2,4}, {3,5}: padding never wins, even against negatives;
  // the first of equal values does.
  expect_values(y[0], {2, 1, 5}, {1, 4, 1, 5, 1, -2, -6, -2, -3, -5});
  EXPECT_EQ(y[1].to_int64s(), (std::vector<int64_t>{1, 2, 1, 4, 3, 6, 7, 6, 9, 8}));
  Tensor u = Tensor::of<uint8_t>({1, 1, 3}, {7, 255, 0});
  OpOutputs yu = run(op_MaxPool, "MaxPool", {{"kernel_shape", ints({2})}}, {&u});
  EXPECT_EQ(yu[0].dtype(), DType::kUInt8);
  EXPECT_EQ(yu[0].to_int64s(), (std::vector<int64_t>{255, 255}));
  // 3-D with SAME_UPPER: output keeps the input size; the pad is at the end.
  Tensor x3 = iota({1, 1, 2, 2, 2});
  expect_values(
      run(op_MaxPool, "MaxPool",
          {{"kernel_shape", ints({2, 2, 2})}, {"auto_pad", text("SAME_UPPER")}}, {&x3})[0],
      {1, 1, 2, 2, 2}, {7, 7, 7, 7, 7, 7, 7, 7});
}

TEST(RefAveragePool, CountIncludePadAndCeilMode) {
  Tensor x = iota({1, 1, 3, 3}, 1);
  const Attrs attrs{{"kernel_shape", ints({3, 3})}, {"pads", ints({1, 1, 1, 1})}};
  expect_values(run(op_AveragePool, "AveragePool", attrs, {&x})[0], {1, 1, 3, 3},
                {3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7});
  Attrs include = attrs;
  include["count_include_pad"] = num(1);
  expect_values(run(op_AveragePool, "AveragePool", include, {&x})[0], {1, 1, 3, 3},
                {12 / 9.0, 21 / 9.0, 16 / 9.0, 3, 5, 33 / 9.0, 24 / 9.0, 39 / 9.0, 28 / 9.0});
  Tensor x4 = iota({1, 1, 4, 4}, 1);
  Attrs ceil{{"kernel_shape", ints({3, 3})}, {"strides", ints({2, 2})}, {"ceil_mode", num(1)}};
  expect_values(run(op_AveragePool, "AveragePool", ceil, {&x4})[0], {1, 1, 2, 2},
                {6, 7.5, 12, 13.5});
  ceil["count_include_pad"] = num(1);
  expect_values(run(op_AveragePool, "AveragePool", ceil, {&x4})[0], {1, 1, 2, 2},
                {6, 7.5, 12, 13.5});
  // Windows start at -1, 1 and 3 on each axis. count_include_pad counts the padding taps (-1 and
  // 4) but not tap 5, which ceil_mode lets hang past the end padding.
  ceil["pads"] = ints({1, 1, 1, 1});
  expect_values(run(op_AveragePool, "AveragePool", ceil, {&x4})[0], {1, 1, 3, 3},
                {14 / 9.0, 30 / 9.0, 2, 57 / 9.0, 11, 6, 4.5, 7.5, 4});
}

TEST(RefGlobalPool, AverageAndMax) {
  Tensor x = f32({1, 2, 2, 2}, {1, 2, 3, 4, -1, -5, -2, -3});
  expect_values(run(op_GlobalAveragePool, "GlobalAveragePool", {}, {&x})[0], {1, 2, 1, 1},
                {2.5, -2.75});
  expect_values(run(op_GlobalMaxPool, "GlobalMaxPool", {}, {&x})[0], {1, 2, 1, 1}, {4, -1});
  Tensor x3 = iota({2, 1, 1, 2, 3});
  expect_values(run(op_GlobalAveragePool, "GlobalAveragePool", {}, {&x3})[0], {2, 1, 1, 1, 1},
                {2.5, 8.5});
}

TEST(RefBatchNormalization, InferenceAndLegacyNonSpatial) {
  Tensor x = f32({1, 2, 1, 2}, {1, 2, 3, 4});
  Tensor scale = f32({2}, {1, 2}), bias = f32({2}, {0, 1});
  Tensor mean = f32({2}, {1, 2}), var = f32({2}, {4, 1});
  expect_values(run(op_BatchNormalization, "BatchNormalization", {{"epsilon", real(0)}},
                    {&x, &scale, &bias, &mean, &var})[0],
                {1, 2, 1, 2}, {0, 0.5, 3, 5});
  // Default epsilon 1e-5 on a rank-2 input.
  Tensor x2 = f32({2, 1}, {1, 3}), one = f32({1}, {1}), zero = f32({1}, {0});
  expect_values(
      run(op_BatchNormalization, "BatchNormalization", {}, {&x2, &one, &zero, &one, &one})[0],
      {2, 1}, {0, 2 / std::sqrt(1 + 1e-5)});
  // Opset 7, spatial=0: statistics per (channel, position); extra outputs are not produced.
  Tensor x3 = f32({1, 2, 2}, {1, 2, 3, 4});
  Tensor ones = f32({2, 2}, {1, 1, 1, 1}), zeros = f32({2, 2}, {0, 0, 0, 0});
  Tensor means = f32({2, 2}, {1, 1, 2, 2});
  OpOutputs y =
      run(op_BatchNormalization, "BatchNormalization", {{"spatial", num(0)}, {"epsilon", real(0)}},
          {&x3, &ones, &zeros, &means, &ones}, 5, 7);
  ASSERT_EQ(y.size(), 1u);
  expect_values(y[0], {1, 2, 2}, {0, 1, 1, 2});
}

TEST(RefBatchNormalization, TrainingModeUsesBatchStatistics) {
  // Channel 0 holds {1, 3} (mean 2, variance 1), channel 1 holds {4, 4} (mean 4, variance 0).
  Tensor x = f32({2, 2}, {1, 4, 3, 4});
  Tensor scale = f32({2}, {1, 1}), bias = f32({2}, {0, 0});
  Tensor mean = f32({2}, {0, 10}), var = f32({2}, {1, 1});
  OpOutputs y = run(op_BatchNormalization, "BatchNormalization",
                    {{"training_mode", num(1)}, {"epsilon", real(0.25)}, {"momentum", real(0.5)}},
                    {&x, &scale, &bias, &mean, &var}, 3, 15);
  ASSERT_EQ(y.size(), 3u);
  const double s = 1 / std::sqrt(1.25);
  expect_values(y[0], {2, 2}, {-s, 0, s, 0});
  expect_values(y[1], {2}, {1, 7});
  expect_values(y[2], {2}, {1, 0.5});
}

TEST(RefInstanceNormalization, PerChannelStatistics) {
  Tensor x = f32({1, 2, 4}, {1, 2, 3, 4, 0, 2, 0, 2});
  Tensor scale = f32({2}, {2, 1}), bias = f32({2}, {1, -1});
  const double s = 1 / std::sqrt(1.25);
  expect_values(run(op_InstanceNormalization, "InstanceNormalization", {{"epsilon", real(0)}},
                    {&x, &scale, &bias})[0],
                {1, 2, 4}, {1 - 3 * s, 1 - s, 1 + s, 1 + 3 * s, -2, 0, -2, 0});
}

TEST(RefLRN, AcrossChannelWindow) {
  Tensor x = f32({1, 3, 1, 1}, {1, 2, 3});
  const Attrs attrs{{"size", num(3)}, {"alpha", real(3)}, {"beta", real(1)}, {"bias", real(1)}};
  expect_values(run(op_LRN, "LRN", attrs, {&x})[0], {1, 3, 1, 1}, {1 / 6.0, 2 / 15.0, 3 / 14.0});
  // An even size reaches one channel more forward than back: [c, c + 1].
  const Attrs even{{"size", num(2)}, {"alpha", real(2)}, {"beta", real(1)}, {"bias", real(1)}};
  expect_values(run(op_LRN, "LRN", even, {&x})[0], {1, 3, 1, 1}, {1 / 6.0, 2 / 14.0, 3 / 10.0});
}

// ---------------------------------------------------------------------------------------------
// Must-fail: user errors name the node, never crash.

void expect_user_error(const std::function<void()>& fn, const std::string& fragment) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one containing '" << fragment << "'";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'n'"), std::string::npos) << e.what();
  }
}

TEST(RefSpatialErrors, ConvShapesAndAttributes) {
  Tensor x = iota({1, 3, 4, 4});
  Tensor w = iota({2, 2, 3, 3});
  expect_user_error([&] { run(op_Conv, "Conv", {}, {&x, &w}); }, "channels");
  Tensor w4 = iota({4, 1, 3, 3});
  expect_user_error([&] { run(op_Conv, "Conv", {{"group", num(3)}}, {&x, &w4}); }, "channels");
  Tensor w2 = iota({2, 3, 3});
  expect_user_error([&] { run(op_Conv, "Conv", {}, {&x, &w2}); }, "rank");
  Tensor w3 = iota({2, 3, 3, 3});
  Tensor b = iota({3});
  expect_user_error([&] { run(op_Conv, "Conv", {}, {&x, &w3, &b}); }, "bias");
  expect_user_error([&] { run(op_Conv, "Conv", {{"strides", ints({1})}}, {&x, &w3}); }, "strides");
  expect_user_error(
      [&] {
        run(op_Conv, "Conv", {{"strides", ints({0, 1})}}, {&x, &w3});
      },
      "strides");
  expect_user_error(
      [&] {
        run(op_Conv, "Conv", {{"kernel_shape", ints({2, 2})}}, {&x, &w3});
      },
      "kernel_shape");
  expect_user_error(
      [&] {
        run(op_Conv, "Conv", {{"auto_pad", text("SAME")}}, {&x, &w3});
      },
      "auto_pad");
  Tensor big = iota({2, 3, 5, 5});
  expect_user_error([&] { run(op_Conv, "Conv", {}, {&x, &big}); }, "larger");
  Tensor flat = iota({3, 4});
  Tensor wf = iota({2, 3});
  expect_user_error([&] { run(op_Conv, "Conv", {}, {&flat, &wf}); }, "rank");
  expect_user_error([&] { run(op_Conv, "Conv", {}, {&x}); }, "missing");
  Tensor wt = iota({2, 1, 3, 3});
  expect_user_error([&] { run(op_ConvTranspose, "ConvTranspose", {}, {&x, &wt}); }, "channels");
}

TEST(RefSpatialErrors, LinearNormalizationAndPools) {
  Tensor a = iota({2, 3}), b = iota({2, 3}), c = iota({3});
  expect_user_error([&] { run(op_Gemm, "Gemm", {}, {&a, &b}); }, "inner");
  Tensor bt = iota({3, 2});
  expect_user_error([&] { run(op_Gemm, "Gemm", {}, {&a, &bt, &c}); }, "broadcast");
  Tensor v = iota({3});
  expect_user_error([&] { run(op_Gemm, "Gemm", {}, {&v, &bt}); }, "matrices");
  expect_user_error([&] { run(op_MatMul, "MatMul", {}, {&a, &b}); }, "inner");
  Tensor p = iota({2, 2, 3}), q = iota({3, 3, 2});
  expect_user_error([&] { run(op_MatMul, "MatMul", {}, {&p, &q}); }, "broadcast");
  Tensor x = iota({1, 2, 3, 3}), s3 = iota({3}), s2 = iota({2});
  expect_user_error(
      [&] {
        run(op_BatchNormalization, "BatchNormalization", {}, {&x, &s3, &s2, &s2, &s2});
      },
      "scale");
  expect_user_error(
      [&] {
        run(op_InstanceNormalization, "InstanceNormalization", {}, {&x, &s3, &s2});
      },
      "scale");
  expect_user_error([&] { run(op_LRN, "LRN", {}, {&x}); }, "size");
  expect_user_error([&] { run(op_MaxPool, "MaxPool", {}, {&x}); }, "kernel_shape");
  expect_user_error(
      [&] {
        run(op_MaxPool, "MaxPool", {{"kernel_shape", ints({3})}}, {&x});
      },
      "kernel_shape");
  expect_user_error(
      [&] {
        run(op_AveragePool, "AveragePool", {{"kernel_shape", ints({4, 4})}}, {&x});
      },
      "larger");
  expect_user_error(
      [&] {
        run(op_MaxPool, "MaxPool", {{"kernel_shape", ints({2, 2})}, {"pads", ints({1, 1})}}, {&x});
      },
      "pads");
  expect_user_error([&] { run(op_GlobalMaxPool, "GlobalMaxPool", {}, {&a}); }, "rank");
}

}  // namespace
}  // namespace nnd::ref
