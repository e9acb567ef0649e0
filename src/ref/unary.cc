#include <cmath>

#include "ref/elementwise_map.h"

namespace nnd::ref {

namespace {

// A float-only op of one input.
template <typename Fn>
OpOutputs float_unary(const OpCall& call, Fn&& fn) {
  expect_input_count(call, 1, 1);
  const Tensor& x = call.input(0);
  require_floating(call, x);
  return {unary_map(call, x, [&](double v) { return fn(v); })};
}

}  // namespace

OpOutputs op_Sqrt(const OpCall& call) {
  return float_unary(call, [](double v) { return std::sqrt(v); });
}

OpOutputs op_Exp(const OpCall& call) {
  return float_unary(call, [](double v) { return std::exp(v); });
}

OpOutputs op_Round(const OpCall& call) {
  // nearbyint rounds in the current mode, which nndelta never changes from the default
  // round-to-nearest-even: halves go to the even neighbour, as the spec asks.
  return float_unary(call, [](double v) { return std::nearbyint(v); });
}

OpOutputs op_Erf(const OpCall& call) {
  return float_unary(call, [](double v) { return std::erf(v); });
}

OpOutputs op_Neg(const OpCall& call) {
  expect_input_count(call, 1, 1);
  auto neg = Overloaded{[](double v) { return -v; }, [](int64_t v) { return wrapping_neg(v); }};
  return {unary_map(call, call.input(0), neg)};
}

OpOutputs op_Abs(const OpCall& call) {
  expect_input_count(call, 1, 1);
  auto abs = Overloaded{[](double v) { return std::abs(v); },
                        [](int64_t v) { return v < 0 ? wrapping_neg(v) : v; }};
  return {unary_map(call, call.input(0), abs)};
}

}  // namespace nnd::ref
