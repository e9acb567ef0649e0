#include <vector>

#include "ref/elementwise_map.h"

namespace nnd::ref {

namespace {

// The axes to reduce, normalized; empty means every axis or none (noop_with_empty_axes). Opset 18
// moved them from the `axes` attribute to an optional second input.
std::vector<bool> reduced_axes(const OpCall& call, int64_t rank) {
  std::vector<int64_t> axes;
  if (call.opset >= 18) {
    expect_input_count(call, 1, 2);
    if (call.has_input(1)) {
      const Tensor& t = call.input(1);
      if (t.dtype() != DType::kInt64 || t.rank() != 1)
        fail("{}: axes must be a 1-D int64 tensor, got {} {}", call.node.label(),
             dtype_name(t.dtype()), shape_string(t.shape()));
      axes = t.to_int64s();
    }
  } else {
    expect_input_count(call, 1, 1);
    axes = call.node.attr_ints("axes", std::vector<int64_t>{});
  }
  std::vector<bool> reduced(static_cast<size_t>(rank), axes.empty());
  if (axes.empty() && call.node.attr_int("noop_with_empty_axes", 0) != 0)
    reduced.assign(reduced.size(), false);
  for (int64_t axis : axes) {
    const size_t a = static_cast<size_t>(call.normalize_axis(axis, rank));
    if (reduced[a]) fail("{}: axis {} is reduced twice", call.node.label(), axis);
    reduced[a] = true;
  }
  return reduced;
}

}  // namespace

OpOutputs op_ReduceMean(const OpCall& call) {
  const Tensor& x = call.input(0);
  const std::vector<bool> reduced = reduced_axes(call, x.rank());
  const bool keepdims = call.node.attr_int("keepdims", 1) != 0;
  Shape kept_shape = x.shape(), out_shape;
  int64_t count = 1;
  for (size_t d = 0; d < reduced.size(); ++d) {
    if (reduced[d]) {
      count *= x.shape()[d];
      kept_shape[d] = 1;
      if (keepdims) out_shape.push_back(1);
    } else {
      out_shape.push_back(x.shape()[d]);
    }
  }
  // Walk the input in order; a reduced axis does not move the output position (stride 0).
  std::vector<int64_t> out_strides = strides_of(kept_shape);
  for (size_t d = 0; d < reduced.size(); ++d)
    if (reduced[d]) out_strides[d] = 0;
  const std::vector<double> in = x.to_doubles();
  std::vector<double> sum(static_cast<size_t>(element_count(kept_shape)), 0.0);
  std::vector<int64_t> index(reduced.size(), 0);
  int64_t dst = 0;
  for (double v : in) {
    sum[static_cast<size_t>(dst)] += v;
    for (size_t d = reduced.size(); d-- > 0;) {
      dst += out_strides[d];
      if (++index[d] < x.shape()[d]) break;
      dst -= out_strides[d] * index[d];
      index[d] = 0;
    }
  }
  // An empty reduction gives 0/0 = NaN, as numpy's mean does.
  for (double& s : sum) s /= static_cast<double>(count);
  return {tensor_from(x.dtype(), std::move(out_shape), std::move(sum))};
}

}  // namespace nnd::ref
