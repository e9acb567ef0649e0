// Ops that move, select or retype data: Concat, Split, Slice, Gather, the reshapes, Pad, Shape,
// Cast, Constant, Identity and inference-mode Dropout.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <numeric>
#include <optional>

#include "backends/torch/converter.h"
#include "core/error.h"

namespace nnd::backends::torch_impl {

namespace {

using Ints = std::vector<int64_t>;

// An int list that opsets before `input_since` give as attribute `attr` and later ones as input
// `index`; nullopt when neither is there.
struct IntsSource {
  std::optional<Ints> attr;
  size_t index = 0;
  bool from_input = false;

  std::optional<Ints> get(const std::vector<at::Tensor>& in, const std::string& label,
                          const char* what) const {
    if (!from_input) return attr;
    if (index < in.size() && in[index].defined()) return int_values(in[index], label, what);
    return std::nullopt;
  }
};

IntsSource ints_source(const NodeContext& c, const char* attr, size_t index, int64_t input_since) {
  IntsSource s;
  s.index = index;
  s.from_input = c.opset >= input_since;
  if (!s.from_input && c.node.has(attr)) s.attr = c.node.attr_ints(attr);
  return s;
}

}  // namespace

Kernel build_Concat(const NodeContext& c) {
  const int64_t axis = c.opset < 4 ? c.node.attr_int("axis", 1) : c.node.attr_int("axis");
  const std::string label = c.label();
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    if (in.empty()) fail("{}: needs at least one input", label);
    return {at::cat(in, wrap_axis(axis, in[0].dim(), label))};
  };
}

Kernel build_Split(const NodeContext& c) {
  const int64_t axis = c.node.attr_int("axis", 0);
  const std::string label = c.label();
  IntsSource sizes = ints_source(c, "split", 1, 13);
  // Opsets 11 and 12 also accept the sizes as an input.
  if (!sizes.attr && c.opset < 13 && c.has_input(1)) sizes.from_input = true;
  const std::optional<int64_t> num_outputs =
      c.node.has("num_outputs") ? std::optional<int64_t>(c.node.attr_int("num_outputs"))
                                : std::nullopt;
  const int64_t parts = static_cast<int64_t>(c.node.outputs.size());
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    const int64_t a = wrap_axis(axis, x.dim(), label);
    const int64_t dim = x.size(a);
    std::optional<Ints> given = sizes.get(in, label, "split");
    if (!given) {
      Ints even;
      if (num_outputs) {
        // Opset 18: chunks of ceil(dim / n), the last one smaller.
        const int64_t chunk = (dim + *num_outputs - 1) / *num_outputs;
        for (int64_t left = dim; left > 0; left -= chunk) even.push_back(std::min(chunk, left));
      } else {
        if (dim % parts != 0)
          fail("{}: axis {} of size {} does not split evenly into {} outputs", label, a, dim,
               parts);
        even.assign(static_cast<size_t>(parts), dim / parts);
      }
      given = even;
    }
    if (static_cast<int64_t>(given->size()) != parts ||
        std::accumulate(given->begin(), given->end(), int64_t{0}) != dim)
      fail("{}: split sizes [{}] must be {} values summing to {}", label, fmt::join(*given, ","),
           parts, dim);
    return at::split_with_sizes(x, *given, a);
  };
}

Kernel build_Slice(const NodeContext& c) {
  const std::string label = c.label();
  const bool from_inputs = c.opset >= 10;
  Ints starts_attr, ends_attr;
  std::optional<Ints> axes_attr;
  if (!from_inputs) {
    starts_attr = c.node.attr_ints("starts");
    ends_attr = c.node.attr_ints("ends");
    if (c.node.has("axes")) axes_attr = c.node.attr_ints("axes");
  }
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    at::Tensor x = in.at(0);
    Ints starts = starts_attr, ends = ends_attr;
    std::optional<Ints> axes = axes_attr;
    std::optional<Ints> steps;
    if (from_inputs) {
      starts = int_values(in.at(1), label, "starts");
      ends = int_values(in.at(2), label, "ends");
      if (in.size() > 3 && in[3].defined()) axes = int_values(in[3], label, "axes");
      if (in.size() > 4 && in[4].defined()) steps = int_values(in[4], label, "steps");
    }
    if (!axes) {
      axes = Ints(starts.size());
      std::iota(axes->begin(), axes->end(), 0);
    }
    if (!steps) steps = Ints(starts.size(), 1);
    if (ends.size() != starts.size() || axes->size() != starts.size() ||
        steps->size() != starts.size())
      fail("{}: starts, ends, axes and steps have {}, {}, {} and {} values; they must match", label,
           starts.size(), ends.size(), axes->size(), steps->size());
    for (size_t i = 0; i < starts.size(); ++i) {
      const int64_t a = wrap_axis((*axes)[i], x.dim(), label);
      const int64_t dim = x.size(a), step = (*steps)[i];
      if (step == 0) fail("{}: step along axis {} is 0", label, a);
      int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
      int64_t end = ends[i] < 0 ? ends[i] + dim : ends[i];
      if (step > 0) {
        start = std::clamp<int64_t>(start, 0, dim);
        end = std::clamp<int64_t>(end, 0, dim);
        x = x.slice(a, start, std::max(start, end), step);
      } else {
        start = std::clamp<int64_t>(start, 0, dim - 1);
        end = std::clamp<int64_t>(end, -1, dim - 1);
        // ATen slices forward only: gather the backward positions.
        const at::Tensor index =
            start > end ? at::arange(start, end, step, at::TensorOptions().dtype(at::kLong))
                        : at::empty({0}, at::TensorOptions().dtype(at::kLong));
        x = x.index_select(a, index.to(x.device()));
      }
    }
    return {x};
  };
}

Kernel build_Gather(const NodeContext& c) {
  const int64_t axis = c.node.attr_int("axis", 0);
  const std::string label = c.label();
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    const at::Tensor& indices = in.at(1);
    if (indices.scalar_type() != at::kLong && indices.scalar_type() != at::kInt)
      fail("{}: indices must be int32 or int64, got {}", label,
           c10::toString(indices.scalar_type()));
    const int64_t a = wrap_axis(axis, x.dim(), label);
    const int64_t dim = x.size(a);
    at::Tensor flat = indices.to(at::kLong).flatten();
    if (flat.numel() > 0 &&
        (flat.min().item<int64_t>() < -dim || flat.max().item<int64_t>() >= dim))
      fail("{}: an index is out of range for axis {} of size {}", label, a, dim);
    flat = at::where(flat < 0, flat + dim, flat);
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().begin() + a);
    shape.insert(shape.end(), indices.sizes().begin(), indices.sizes().end());
    shape.insert(shape.end(), x.sizes().begin() + a + 1, x.sizes().end());
    return {x.index_select(a, flat).reshape(shape)};
  };
}

Kernel build_Flatten(const NodeContext& c) {
  const int64_t axis = c.node.attr_int("axis", 1);
  const std::string label = c.label();
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    const int64_t rank = x.dim();
    if (axis < -rank || axis > rank)
      fail("{}: axis {} is out of range for rank {}", label, axis, rank);
    const int64_t a = axis < 0 ? axis + rank : axis;
    int64_t outer = 1;
    for (int64_t d = 0; d < a; ++d) outer *= x.size(d);
    const int64_t inner = outer == 0 ? 0 : x.numel() / outer;
    return {x.reshape({outer, inner})};
  };
}

Kernel build_Reshape(const NodeContext& c) {
  const std::string label = c.label();
  const std::optional<Ints> shape_attr =
      c.opset < 5 ? std::optional<Ints>(c.node.attr_ints("shape")) : std::nullopt;
  const bool allow_zero = c.node.attr_int("allowzero", 0) != 0;
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    Ints target = shape_attr ? *shape_attr : int_values(in.at(1), label, "shape");
    for (size_t d = 0; d < target.size(); ++d)
      if (target[d] == 0 && !allow_zero) {
        if (static_cast<int64_t>(d) >= x.dim())
          fail("{}: shape [{}] copies dimension {} with 0, but the input has rank {}", label,
               fmt::join(target, ","), d, x.dim());
        target[d] = x.size(static_cast<int64_t>(d));
      }
    return {x.reshape(target)};
  };
}

Kernel build_Transpose(const NodeContext& c) {
  const std::optional<Ints> perm =
      c.node.has("perm") ? std::optional<Ints>(c.node.attr_ints("perm")) : std::nullopt;
  return [perm](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    Ints p(static_cast<size_t>(x.dim()));
    if (perm)
      p = *perm;
    else
      std::iota(p.rbegin(), p.rend(), 0);
    return {x.permute(p)};
  };
}

Kernel build_Squeeze(const NodeContext& c) {
  const IntsSource axes = ints_source(c, "axes", 1, 13);
  const std::string label = c.label();
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    const std::optional<Ints> given = axes.get(in, label, "axes");
    if (!given) return {x.squeeze()};
    Ints shape;
    std::vector<bool> drop(static_cast<size_t>(x.dim()), false);
    for (int64_t a : *given) {
      const int64_t w = wrap_axis(a, x.dim(), label);
      if (x.size(w) != 1) fail("{}: cannot squeeze axis {} of size {}", label, w, x.size(w));
      drop[static_cast<size_t>(w)] = true;
    }
    for (int64_t d = 0; d < x.dim(); ++d)
      if (!drop[static_cast<size_t>(d)]) shape.push_back(x.size(d));
    return {x.reshape(shape)};
  };
}

Kernel build_Unsqueeze(const NodeContext& c) {
  const IntsSource axes = ints_source(c, "axes", 1, 13);
  const std::string label = c.label();
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    at::Tensor x = in.at(0);
    const std::optional<Ints> given = axes.get(in, label, "axes");
    if (!given) fail("{}: axes are required", label);
    const int64_t rank = x.dim() + static_cast<int64_t>(given->size());
    Ints wrapped;
    for (int64_t a : *given) wrapped.push_back(wrap_axis(a, rank, label));
    std::sort(wrapped.begin(), wrapped.end());
    if (std::adjacent_find(wrapped.begin(), wrapped.end()) != wrapped.end())
      fail("{}: an axis is given twice in [{}]", label, fmt::join(*given, ","));
    for (int64_t a : wrapped) x = x.unsqueeze(a);
    return {x};
  };
}

namespace {

// The source positions of one padded axis in edge or reflect mode (negative pads crop).
at::Tensor pad_positions(int64_t dim, int64_t begin, int64_t end, bool reflect) {
  std::vector<int64_t> index;
  for (int64_t i = -begin; i < dim + end; ++i) {
    if (!reflect || dim == 1) {
      index.push_back(std::clamp<int64_t>(i, 0, dim - 1));
      continue;
    }
    const int64_t period = 2 * (dim - 1);
    int64_t r = ((i % period) + period) % period;
    index.push_back(r < dim ? r : period - r);
  }
  return at::tensor(index);
}

}  // namespace

Kernel build_Pad(const NodeContext& c) {
  const std::string label = c.label();
  const std::string mode = c.node.attr_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    fail("{}: mode '{}' is not supported by torch", label, mode);
  const bool from_inputs = c.opset >= 11;
  Ints pads_attr;
  double value_attr = 0;
  if (!from_inputs) {
    pads_attr = c.node.attr_ints(c.opset < 2 ? "paddings" : "pads");
    value_attr = c.node.attr_float("value", 0.0f);
  }
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    at::Tensor x = in.at(0);
    const int64_t rank = x.dim();
    Ints pads = from_inputs ? int_values(in.at(1), label, "pads") : pads_attr;
    at::Scalar value = value_attr;
    if (from_inputs && in.size() > 2 && in[2].defined() && in[2].numel() > 0)
      value = in[2].to(at::kCPU).item();
    Ints axes(static_cast<size_t>(rank));
    std::iota(axes.begin(), axes.end(), 0);
    if (from_inputs && in.size() > 3 && in[3].defined()) {
      axes = int_values(in[3], label, "axes");
      for (int64_t& a : axes) a = wrap_axis(a, rank, label);
    }
    const size_t n = axes.size();
    if (pads.size() != 2 * n)
      fail("{}: pads has {} values for {} axes; it needs begin and end values for each", label,
           pads.size(), n);
    Ints begin(static_cast<size_t>(rank), 0), end(begin);
    for (size_t i = 0; i < n; ++i) {
      begin[static_cast<size_t>(axes[i])] = pads[i];
      end[static_cast<size_t>(axes[i])] = pads[n + i];
    }
    if (mode == "constant") {
      Ints list;
      for (int64_t d = rank; d-- > 0;) {
        list.push_back(begin[static_cast<size_t>(d)]);
        list.push_back(end[static_cast<size_t>(d)]);
      }
      return {at::constant_pad_nd(x, list, value)};
    }
    for (int64_t d = 0; d < rank; ++d) {
      const int64_t b = begin[static_cast<size_t>(d)], e = end[static_cast<size_t>(d)];
      if (b == 0 && e == 0) continue;
      if (x.size(d) == 0) fail("{}: cannot pad the empty axis {} in {} mode", label, d, mode);
      x = x.index_select(d, pad_positions(x.size(d), b, e, mode == "reflect").to(x.device()));
    }
    return {x};
  };
}

Kernel build_Shape(const NodeContext& c) {
  const int64_t start_attr = c.node.attr_int("start", 0);
  const std::optional<int64_t> end_attr =
      c.node.has("end") ? std::optional<int64_t>(c.node.attr_int("end")) : std::nullopt;
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    const int64_t rank = x.dim();
    auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
    const int64_t start = clamp(start_attr), end = clamp(end_attr.value_or(rank));
    Ints dims(x.sizes().begin() + start, x.sizes().begin() + std::max(start, end));
    return {at::tensor(dims).to(x.device())};
  };
}

Kernel build_Cast(const NodeContext& c) {
  const int64_t to = c.node.attr_int("to");
  const std::optional<DType> dtype = dtype_from_onnx(static_cast<int>(to));
  if (!dtype) fail("{}: casting to ONNX type {} is not supported by torch", c.label(), to);
  const at::ScalarType type = scalar_type_of(*dtype);
  return [type](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    return {in.at(0).to(type)};
  };
}

Kernel build_Constant(const NodeContext& c) {
  const Node& node = c.node;
  at::Tensor value;
  if (node.has("value"))
    value = to_aten(node.attr_tensor("value"));
  else if (node.has("value_float"))
    value = at::scalar_tensor(node.attr_float("value_float"), at::kFloat);
  else if (node.has("value_int"))
    value = at::scalar_tensor(node.attr_int("value_int"), at::kLong);
  else if (node.has("value_floats"))
    value = at::tensor(node.attr_floats("value_floats"));
  else if (node.has("value_ints"))
    value = at::tensor(node.attr_ints("value_ints"));
  else
    fail("{}: has no value attribute that torch supports", c.label());
  return [value](const std::vector<at::Tensor>&) -> std::vector<at::Tensor> { return {value}; };
}

Kernel build_Identity(const NodeContext&) {
  return [](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> { return {in.at(0)}; };
}

// Inference mode only: the output is the input and the mask all true. Training mode is refused,
// since torch's random mask cannot match another framework's, except with ratio 0 (no dropout).
Kernel build_Dropout(const NodeContext& c) {
  const std::string label = c.label();
  const bool ratio_input = c.opset >= 12;
  auto training = [label, ratio_input](const std::vector<at::Tensor>& in) {
    if (!ratio_input || in.size() < 3 || !in[2].defined() || !in[2].to(at::kCPU).item<bool>())
      return false;
    const double ratio = in.size() > 1 && in[1].defined() ? in[1].to(at::kCPU).item<double>() : 0.5;
    if (ratio != 0)
      fail("{}: training mode with ratio {} is not supported by torch (inference only)", label,
           ratio);
    return true;
  };
  if (c.constants.size() > 2 && c.constants[2].defined()) training(c.constants);
  return [training](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    training(in);
    const at::Tensor& x = in.at(0);
    return {x, at::ones_like(x, at::TensorOptions().dtype(at::kBool))};
  };
}

}  // namespace nnd::backends::torch_impl
