#include <algorithm>
#include <cmath>
#include <limits>

#include "ref/elementwise_map.h"

namespace nnd::ref {

namespace {

// Softmax or LogSoftmax over groups of `n` elements, `inner` apart. Opset 13 normalizes along one
// axis (default -1); before, the input is seen as 2-D, split at `axis` (default 1), and each row
// of that matrix is normalized as a whole.
OpOutputs softmax(const OpCall& call, bool log) {
  expect_input_count(call, 1, 1);
  const Tensor& x = call.input(0);
  require_floating(call, x);
  const bool per_axis = call.opset >= 13;
  const int64_t rank = x.rank();
  const int64_t axis = call.normalize_axis(call.node.attr_int("axis", per_axis ? -1 : 1), rank);
  int64_t outer = 1, n = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) {
    const int64_t dim = x.shape()[static_cast<size_t>(d)];
    if (d < axis)
      outer *= dim;
    else if (d == axis || !per_axis)
      n *= dim;
    else
      inner *= dim;
  }
  std::vector<double> v = x.to_doubles();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      double* group = v.data() + o * n * inner + i;
      auto at = [&](int64_t k) -> double& { return group[k * inner]; };
      // Subtracting the maximum keeps exp from overflowing; it cancels out mathematically.
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < n; ++k) max = std::max(max, at(k));
      double sum = 0;
      for (int64_t k = 0; k < n; ++k) sum += std::exp(at(k) - max);
      for (int64_t k = 0; k < n; ++k)
        at(k) = log ? at(k) - max - std::log(sum) : std::exp(at(k) - max) / sum;
    }
  }
  return {tensor_from(x.dtype(), x.shape(), std::move(v))};
}

}  // namespace

OpOutputs op_Softmax(const OpCall& call) { return softmax(call, false); }

OpOutputs op_LogSoftmax(const OpCall& call) { return softmax(call, true); }

}  // namespace nnd::ref
