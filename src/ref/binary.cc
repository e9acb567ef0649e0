#include <algorithm>
#include <cmath>

#include "ref/elementwise_map.h"

namespace nnd::ref {

namespace {

// The second operand, ready for multidirectional broadcasting (possibly `storage` reshaped).
// Before opset 7 broadcasting was opt-in (`broadcast` = 1) and unidirectional: B's dimensions line
// up with A's from `axis` on (by default, with A's last ones); without it the shapes must match.
const Tensor* legacy_operand(const OpCall& call, const Tensor& a, Tensor& storage) {
  const Tensor& b = call.input(1);
  if (call.opset >= 7) return &b;
  const Node& node = call.node;
  if (node.attr_int("broadcast", 0) == 0) {
    if (a.shape() != b.shape())
      fail("{}: shapes {} and {} differ and the broadcast attribute is not set (opset {})",
           node.label(), shape_string(a.shape()), shape_string(b.shape()), call.opset);
    return &b;
  }
  const int64_t rank_a = a.rank(), rank_b = b.rank();
  const int64_t given = node.attr_int("axis", rank_a - rank_b);
  const int64_t axis = given < 0 ? given + rank_a : given;
  if (axis < 0 || axis + rank_b > rank_a)
    fail("{}: cannot broadcast shape {} to {} at axis {}", node.label(), shape_string(b.shape()),
         shape_string(a.shape()), given);
  Shape aligned(static_cast<size_t>(rank_a), 1);
  for (int64_t i = 0; i < rank_b; ++i) {
    const int64_t want = a.shape()[static_cast<size_t>(axis + i)];
    if (b.dim(i) != 1 && b.dim(i) != want)
      fail("{}: cannot broadcast shape {} to {} at axis {}", node.label(), shape_string(b.shape()),
           shape_string(a.shape()), given);
    aligned[static_cast<size_t>(axis + i)] = b.dim(i);
  }
  storage = b.reshaped(aligned);
  return &storage;
}

// A two-input op whose result has the inputs' type, or bool when `comparison`.
template <typename Fn>
OpOutputs binary(const OpCall& call, bool comparison, Fn&& fn, bool same_types = true) {
  expect_input_count(call, 2, 2);
  const Tensor& a = call.input(0);
  if (same_types) require_same_dtype(call, a, call.input(1));
  Tensor storage;
  const Tensor* b = legacy_operand(call, a, storage);
  return {broadcast_map<2>(call, {&a, b}, comparison ? DType::kBool : a.dtype(), fn)};
}

// Sum/Max/Min: a left fold, broadcasting pairwise as numpy does.
template <typename Fn>
OpOutputs variadic(const OpCall& call, Fn&& fn) {
  if (call.inputs.empty()) fail("{}: expects at least one input", call.node.label());
  const Tensor& first = call.input(0);
  Tensor acc = first;
  for (size_t i = 1; i < call.inputs.size(); ++i) {
    const Tensor& next = call.input(i);
    require_same_dtype(call, first, next);
    if (call.opset < 8 && next.shape() != first.shape())
      fail("{}: input shapes {} and {} differ (opset {} does not broadcast)", call.node.label(),
           shape_string(first.shape()), shape_string(next.shape()), call.opset);
    acc = broadcast_map<2>(call, {&acc, &next}, first.dtype(), fn);
  }
  return {std::move(acc)};
}

// Exact integer power, wrapping on overflow as numpy's does.
int64_t integer_power(const OpCall& call, int64_t base, int64_t exponent) {
  if (exponent < 0) {
    if (base == 0) fail("{}: 0 raised to the negative power {}", call.node.label(), exponent);
    // What truncating the real result gives: only |base| == 1 stays non-zero.
    if (base == 1) return 1;
    if (base == -1) return exponent % 2 == 0 ? 1 : -1;
    return 0;
  }
  int64_t result = 1;
  for (; exponent > 0; exponent >>= 1) {
    if (exponent & 1) result = wrapping_mul(result, base);
    base = wrapping_mul(base, base);
  }
  return result;
}

// Max and Min propagate NaN from either side, as numpy.maximum/minimum do.
double nan_or(double a, double b, double otherwise) {
  return std::isnan(a) ? a : std::isnan(b) ? b : otherwise;
}

constexpr auto kAdd = Overloaded{[](double a, double b) { return a + b; },
                                 [](int64_t a, int64_t b) { return wrapping_add(a, b); }};

}  // namespace

OpOutputs op_Add(const OpCall& call) { return binary(call, false, kAdd); }

OpOutputs op_Sub(const OpCall& call) {
  return binary(call, false,
                Overloaded{[](double a, double b) { return a - b; },
                           [](int64_t a, int64_t b) { return wrapping_sub(a, b); }});
}

OpOutputs op_Mul(const OpCall& call) {
  return binary(call, false,
                Overloaded{[](double a, double b) { return a * b; },
                           [](int64_t a, int64_t b) { return wrapping_mul(a, b); }});
}

OpOutputs op_Div(const OpCall& call) {
  auto div = Overloaded{
      [](double a, double b) { return a / b; },
      // Integer division truncates toward zero (C++, ORT); the one overflowing case wraps.
      [&](int64_t a, int64_t b) {
        if (b == 0) fail("{}: integer division by zero", call.node.label());
        return b == -1 ? wrapping_neg(a) : a / b;
      },
  };
  return binary(call, false, div);
}

OpOutputs op_Pow(const OpCall& call) {
  // Opset 12 lets the exponent's type differ; the result has the base's type (truncated when
  // an integer base meets a float exponent, as numpy's astype and ORT do).
  auto pow = Overloaded{
      [](double a, double b) { return std::pow(a, b); },
      [&](int64_t a, int64_t b) { return integer_power(call, a, b); },
  };
  return binary(call, false, pow, /*same_types=*/call.opset < 12);
}

OpOutputs op_Sum(const OpCall& call) { return variadic(call, kAdd); }

OpOutputs op_Max(const OpCall& call) {
  return variadic(call, Overloaded{
                            [](double a, double b) { return nan_or(a, b, std::max(a, b)); },
                            [](int64_t a, int64_t b) { return std::max(a, b); },
                        });
}

OpOutputs op_Min(const OpCall& call) {
  return variadic(call, Overloaded{
                            [](double a, double b) { return nan_or(a, b, std::min(a, b)); },
                            [](int64_t a, int64_t b) { return std::min(a, b); },
                        });
}

OpOutputs op_Greater(const OpCall& call) {
  return binary(call, true, [](auto a, auto b) { return a > b; });
}

OpOutputs op_Less(const OpCall& call) {
  return binary(call, true, [](auto a, auto b) { return a < b; });
}

OpOutputs op_Equal(const OpCall& call) {
  return binary(call, true, [](auto a, auto b) { return a == b; });
}

OpOutputs op_Where(const OpCall& call) {
  expect_input_count(call, 3, 3);
  const Tensor& condition = call.input(0);
  const Tensor& x = call.input(1);
  const Tensor& y = call.input(2);
  if (condition.dtype() != DType::kBool)
    fail("{}: condition must be bool, got {}", call.node.label(), dtype_name(condition.dtype()));
  require_same_dtype(call, x, y);
  // The condition (bool) never forces the double path: x and y choose it.
  return {broadcast_map<3>(call, {&condition, &x, &y}, x.dtype(),
                           [](auto c, auto a, auto b) { return c != 0 ? a : b; })};
}

}  // namespace nnd::ref
