// Data-movement ops. They copy elements as bytes and never go through double, so they are exact
// for every dtype.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "ref/layout_remap.h"
#include "ref/op_call.h"

namespace nnd::ref {

namespace {

using Ints = std::vector<int64_t>;

// The values of an integer list given as a tensor input (axes, starts, pads, a shape...).
Ints int_list(const OpCall& call, size_t index, const char* what) {
  const Tensor& t = call.input(index);
  if (t.dtype() != DType::kInt64 && t.dtype() != DType::kInt32)
    fail("{}: {} must be int32 or int64, got {}", call.node.label(), what, dtype_name(t.dtype()));
  if (t.rank() > 1)
    fail("{}: {} must be 1-D, got shape {}", call.node.label(), what, shape_string(t.shape()));
  return t.to_int64s();
}

// An int list that opsets before `input_since` give as attribute `attr` and later ones as the
// optional input `index`; nullopt when absent.
std::optional<Ints> attr_or_input(const OpCall& call, const char* attr, size_t index,
                                  int64_t input_since) {
  if (call.opset < input_since) {
    if (!call.node.has(attr)) return std::nullopt;
    return call.node.attr_ints(attr);
  }
  if (!call.has_input(index)) return std::nullopt;
  return int_list(call, index, attr);
}

// Axes wrapped into [0, rank); a repeated axis is a UserError.
Ints normalize_axes(const OpCall& call, const Ints& axes, int64_t rank) {
  Ints wrapped;
  for (int64_t axis : axes) {
    int64_t a = call.normalize_axis(axis, rank);
    if (std::find(wrapped.begin(), wrapped.end(), a) != wrapped.end())
      fail("{}: axis {} is given twice in {}", call.node.label(), axis, fmt::join(axes, ","));
    wrapped.push_back(a);
  }
  return wrapped;
}

int64_t product(const Shape& shape, int64_t from, int64_t to) {
  int64_t n = 1;
  for (int64_t a = from; a < to; ++a) n *= shape[static_cast<size_t>(a)];
  return n;
}

// The elements of a tensor along `axis` in [begin, begin + size): one piece of a Split.
Tensor slice_axis(const Tensor& x, int64_t axis, int64_t begin, int64_t size) {
  AxisOffsets offsets = identity_offsets(x.shape());
  offsets[static_cast<size_t>(axis)] =
      stepped_offsets(begin, 1, size, strides_of(x.shape())[static_cast<size_t>(axis)]);
  return remap(x, offsets);
}

// How many indices a Slice along an axis of `dim` takes from start by step before reaching end,
// with start and end first wrapped (negative counts from the end) and clamped as ONNX says.
// Sets start to the first index taken.
int64_t slice_count(int64_t dim, int64_t& start, int64_t end, int64_t step) {
  if (dim == 0) return 0;
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  // Magnitudes as unsigned: a step of INT64_MIN has no positive int64 counterpart.
  const uint64_t stride = step > 0 ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    if (end <= start) return 0;
    return static_cast<int64_t>(static_cast<uint64_t>(end - start - 1) / stride + 1);
  }
  start = std::clamp<int64_t>(start, 0, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  if (start <= end) return 0;
  return static_cast<int64_t>(static_cast<uint64_t>(start - end - 1) / stride + 1);
}

// The source index that output index `i` of a padded axis reads (i counts from the start of the
// unpadded axis, so it is negative in the front padding), or -1 for the constant.
int64_t pad_source(const std::string& mode, int64_t i, int64_t dim) {
  if (i >= 0 && i < dim) return i;
  if (mode == "constant") return -1;
  if (mode == "edge") return std::clamp<int64_t>(i, 0, dim - 1);
  if (mode == "wrap") return ((i % dim) + dim) % dim;
  // reflect: mirror about the first and last element, repeatedly as numpy.pad does when the
  // padding is longer than the axis.
  if (dim == 1) return 0;
  const int64_t period = 2 * (dim - 1);
  int64_t r = ((i % period) + period) % period;
  return r < dim ? r : period - r;
}

}  // namespace

OpOutputs op_Concat(const OpCall& call) {
  if (call.inputs.empty()) fail("{}: needs at least one input", call.node.label());
  const Tensor& first = call.input(0);
  // Concat-1 had a default axis of 1; later versions require it.
  const int64_t axis = call.normalize_axis(
      call.opset < 4 ? call.node.attr_int("axis", 1) : call.node.attr_int("axis"), first.rank());
  Shape shape = first.shape();
  shape[static_cast<size_t>(axis)] = 0;
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    const Tensor& x = call.input(i);
    Shape want = first.shape();
    want[static_cast<size_t>(axis)] = x.rank() == first.rank() ? x.dim(axis) : 0;
    if (x.dtype() != first.dtype() || x.shape() != want)
      fail("{}: input {} is {}{} but input 0 is {}{}; they may differ only along axis {}",
           call.node.label(), i, dtype_name(x.dtype()), shape_string(x.shape()),
           dtype_name(first.dtype()), shape_string(first.shape()), axis);
    shape[static_cast<size_t>(axis)] += x.dim(axis);
  }
  Tensor out(first.dtype(), shape);
  const int64_t outer = product(shape, 0, axis);
  const size_t row =
      static_cast<size_t>(product(shape, axis + 1, first.rank())) * dtype_size(first.dtype());
  std::byte* to = out.mutable_bytes().data();
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < call.inputs.size(); ++i) {
      const Tensor& x = call.input(i);
      const size_t chunk = static_cast<size_t>(x.dim(axis)) * row;
      if (chunk == 0) continue;
      std::memcpy(to, x.bytes().data() + static_cast<size_t>(o) * chunk, chunk);
      to += chunk;
    }
  }
  return {std::move(out)};
}

OpOutputs op_Split(const OpCall& call) {
  const Tensor& x = call.input(0);
  const int64_t axis = call.normalize_axis(call.node.attr_int("axis", 0), x.rank());
  const int64_t dim = x.dim(axis);
  const int64_t parts = static_cast<int64_t>(call.output_count());
  // Split-1 and Split-2 take the sizes as an attribute; Split-1 also as an optional input.
  std::optional<Ints> sizes = attr_or_input(call, "split", 1, 13);
  if (!sizes && call.opset < 13 && call.has_input(1)) sizes = int_list(call, 1, "split");
  if (!sizes) {
    Ints even;
    if (call.node.has("num_outputs")) {
      // Opset 18: chunks of ceil(dim / n), the last one smaller when it does not divide.
      const int64_t n = call.node.attr_int("num_outputs");
      if (n < 1 || n != parts)
        fail("{}: num_outputs is {} but the node has {} outputs", call.node.label(), n, parts);
      const int64_t chunk = (dim + n - 1) / n;
      if (dim - chunk * (n - 1) < 0)
        fail("{}: cannot split {} elements into {} chunks of {}", call.node.label(), dim, n, chunk);
      even.assign(static_cast<size_t>(n), chunk);
      even.back() = dim - chunk * (n - 1);
    } else {
      if (parts < 1 || dim % parts != 0)
        fail("{}: axis {} of size {} does not split evenly into {} outputs", call.node.label(),
             axis, dim, parts);
      even.assign(static_cast<size_t>(parts), dim / parts);
    }
    sizes = even;
  }
  int64_t total = 0;
  for (int64_t s : *sizes) {
    if (s < 0) fail("{}: negative split size in {}", call.node.label(), fmt::join(*sizes, ","));
    total += s;
  }
  if (static_cast<int64_t>(sizes->size()) != parts || total != dim)
    fail("{}: split sizes [{}] must be {} values summing to {}, the size of axis {}",
         call.node.label(), fmt::join(*sizes, ","), parts, dim, axis);
  OpOutputs outs;
  int64_t begin = 0;
  for (int64_t s : *sizes) {
    outs.push_back(slice_axis(x, axis, begin, s));
    begin += s;
  }
  return outs;
}

OpOutputs op_Slice(const OpCall& call) {
  const Tensor& x = call.input(0);
  const int64_t rank = x.rank();
  Ints starts, ends;
  std::optional<Ints> axes, steps;
  if (call.opset < 10) {
    starts = call.node.attr_ints("starts");
    ends = call.node.attr_ints("ends");
    if (call.node.has("axes")) axes = call.node.attr_ints("axes");
  } else {
    starts = int_list(call, 1, "starts");
    ends = int_list(call, 2, "ends");
    if (call.has_input(3)) axes = int_list(call, 3, "axes");
    if (call.has_input(4)) steps = int_list(call, 4, "steps");
  }
  const size_t n = starts.size();
  if (!axes) {
    axes.emplace();
    for (size_t i = 0; i < n; ++i) axes->push_back(static_cast<int64_t>(i));
  }
  if (!steps) steps = Ints(n, 1);
  if (ends.size() != n || axes->size() != n || steps->size() != n)
    fail("{}: starts, ends, axes and steps have {}, {}, {} and {} values; they must match",
         call.node.label(), n, ends.size(), axes->size(), steps->size());
  Ints wrapped = normalize_axes(call, *axes, rank);

  const std::vector<int64_t> strides = strides_of(x.shape());
  AxisOffsets offsets = identity_offsets(x.shape());
  for (size_t i = 0; i < n; ++i) {
    const size_t a = static_cast<size_t>(wrapped[i]);
    const int64_t step = (*steps)[i];
    if (step == 0) fail("{}: step along axis {} is 0", call.node.label(), (*axes)[i]);
    int64_t start = starts[i];
    const int64_t count = slice_count(x.shape()[a], start, ends[i], step);
    offsets[a] = stepped_offsets(start, step, count, strides[a]);
  }
  return {remap(x, offsets)};
}

OpOutputs op_Gather(const OpCall& call) {
  const Tensor& data = call.input(0);
  const Tensor& indices = call.input(1);
  if (indices.dtype() != DType::kInt64 && indices.dtype() != DType::kInt32)
    fail("{}: indices must be int32 or int64, got {}", call.node.label(),
         dtype_name(indices.dtype()));
  const int64_t axis = call.normalize_axis(call.node.attr_int("axis", 0), data.rank());
  const int64_t dim = data.dim(axis);
  Ints index = indices.to_int64s();
  for (int64_t& i : index) {
    if (i < -dim || i >= dim)
      fail("{}: index {} is out of range for axis {} of size {}", call.node.label(), i, axis, dim);
    if (i < 0) i += dim;
  }
  Shape shape(data.shape().begin(), data.shape().begin() + axis);
  shape.insert(shape.end(), indices.shape().begin(), indices.shape().end());
  shape.insert(shape.end(), data.shape().begin() + axis + 1, data.shape().end());
  Tensor out(data.dtype(), shape);
  const int64_t outer = product(data.shape(), 0, axis);
  const size_t row =
      static_cast<size_t>(product(data.shape(), axis + 1, data.rank())) * dtype_size(data.dtype());
  std::byte* to = out.mutable_bytes().data();
  for (int64_t o = 0; o < outer && row > 0; ++o) {
    for (int64_t i : index) {
      std::memcpy(to, data.bytes().data() + static_cast<size_t>(o * dim + i) * row, row);
      to += row;
    }
  }
  return {std::move(out)};
}

OpOutputs op_Flatten(const OpCall& call) {
  const Tensor& x = call.input(0);
  const int64_t rank = x.rank();
  // Unlike most axes, rank itself is allowed: everything goes into the first dimension.
  const int64_t axis = call.node.attr_int("axis", 1);
  const int64_t wrapped = axis < 0 ? axis + rank : axis;
  if (wrapped < 0 || wrapped > rank)
    fail("{}: axis {} is out of range for rank {}", call.node.label(), axis, rank);
  return {x.reshaped({product(x.shape(), 0, wrapped), product(x.shape(), wrapped, rank)})};
}

OpOutputs op_Reshape(const OpCall& call) {
  const Tensor& x = call.input(0);
  // Reshape-1 took the shape as an attribute.
  Ints target = call.opset < 5 ? call.node.attr_ints("shape") : int_list(call, 1, "shape");
  const bool allow_zero = call.node.attr_int("allowzero", 0) != 0;
  Shape shape;
  std::optional<size_t> inferred;
  int64_t known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0 && !allow_zero) {
      if (static_cast<int64_t>(i) >= x.rank())
        fail("{}: shape [{}] copies dimension {} with 0, but the input {} has rank {}",
             call.node.label(), fmt::join(target, ","), i, shape_string(x.shape()), x.rank());
      d = x.shape()[i];
    } else if (d == -1) {
      if (inferred)
        fail("{}: shape [{}] has more than one -1", call.node.label(), fmt::join(target, ","));
      inferred = i;
      d = 1;
    } else if (d < 0) {
      fail("{}: shape [{}] has the negative dimension {}", call.node.label(),
           fmt::join(target, ","), d);
    }
    shape.push_back(d);
    known *= d;
  }
  if (inferred) {
    if (known == 0 || x.size() % known != 0)
      fail("{}: cannot reshape {} to [{}]: no size for the -1 dimension fits", call.node.label(),
           shape_string(x.shape()), fmt::join(target, ","));
    shape[*inferred] = x.size() / known;
  }
  if (element_count(shape) != x.size())
    fail("{}: cannot reshape {} ({} elements) to {}", call.node.label(), shape_string(x.shape()),
         x.size(), shape_string(shape));
  return {x.reshaped(shape)};
}

OpOutputs op_Transpose(const OpCall& call) {
  const Tensor& x = call.input(0);
  const int64_t rank = x.rank();
  Ints reversed;
  for (int64_t a = rank - 1; a >= 0; --a) reversed.push_back(a);
  const Ints perm = call.node.attr_ints("perm", reversed);
  Ints sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  Ints identity(reversed.rbegin(), reversed.rend());
  if (sorted != identity)
    fail("{}: perm [{}] is not a permutation of the {} axes", call.node.label(),
         fmt::join(perm, ","), rank);
  const std::vector<int64_t> strides = strides_of(x.shape());
  AxisOffsets offsets;
  for (int64_t a : perm) {
    const size_t from = static_cast<size_t>(a);
    offsets.push_back(stepped_offsets(0, 1, x.shape()[from], strides[from]));
  }
  return {remap(x, offsets)};
}

OpOutputs op_Squeeze(const OpCall& call) {
  const Tensor& x = call.input(0);
  std::optional<Ints> axes = attr_or_input(call, "axes", 1, 13);
  Ints squeezed;
  if (axes && !axes->empty()) {
    squeezed = normalize_axes(call, *axes, x.rank());
    for (int64_t a : squeezed)
      if (x.dim(a) != 1)
        fail("{}: cannot squeeze axis {} of size {} in {}", call.node.label(), a, x.dim(a),
             shape_string(x.shape()));
  } else {
    for (int64_t a = 0; a < x.rank(); ++a)
      if (x.dim(a) == 1) squeezed.push_back(a);
  }
  Shape shape;
  for (int64_t a = 0; a < x.rank(); ++a)
    if (std::find(squeezed.begin(), squeezed.end(), a) == squeezed.end()) shape.push_back(x.dim(a));
  return {x.reshaped(shape)};
}

OpOutputs op_Unsqueeze(const OpCall& call) {
  const Tensor& x = call.input(0);
  std::optional<Ints> axes = attr_or_input(call, "axes", 1, 13);
  if (!axes) fail("{}: axes are required", call.node.label());
  const int64_t rank = x.rank() + static_cast<int64_t>(axes->size());
  Ints inserted = normalize_axes(call, *axes, rank);
  Shape shape;
  size_t next = 0;
  for (int64_t a = 0; a < rank; ++a) {
    if (std::find(inserted.begin(), inserted.end(), a) != inserted.end())
      shape.push_back(1);
    else
      shape.push_back(x.shape()[next++]);
  }
  return {x.reshaped(shape)};
}

OpOutputs op_Pad(const OpCall& call) {
  const Tensor& x = call.input(0);
  const int64_t rank = x.rank();
  const std::string mode = call.node.attr_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    fail("{}: unknown mode '{}'", call.node.label(), mode);

  Ints pads;
  Ints axes;
  Tensor fill = Tensor::scalar_of(x.dtype(), 0);
  if (call.opset < 11) {
    // Pad-1 called the attribute `paddings`; Pad-2 renamed it `pads`.
    pads = call.node.attr_ints(call.opset < 2 ? "paddings" : "pads");
    fill = Tensor::scalar_of(x.dtype(), call.node.attr_float("value", 0.0f));
  } else {
    pads = int_list(call, 1, "pads");
    if (call.has_input(2) && call.input(2).size() > 0) {
      const Tensor& value = call.input(2);
      if (value.dtype() != x.dtype())
        fail("{}: constant_value is {} but the data is {}", call.node.label(),
             dtype_name(value.dtype()), dtype_name(x.dtype()));
      fill = Tensor(x.dtype(), {});
      std::memcpy(fill.mutable_bytes().data(), value.bytes().data(), dtype_size(x.dtype()));
    }
    if (call.has_input(3)) axes = normalize_axes(call, int_list(call, 3, "axes"), rank);
  }
  if (axes.empty())
    for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
  const size_t n = axes.size();
  if (pads.size() != 2 * n)
    fail("{}: pads has {} values for {} axes; it needs begin and end values for each",
         call.node.label(), pads.size(), n);

  Ints begin(static_cast<size_t>(rank), 0), end(static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < n; ++i) {
    begin[static_cast<size_t>(axes[i])] = pads[i];
    end[static_cast<size_t>(axes[i])] = pads[n + i];
  }
  const std::vector<int64_t> strides = strides_of(x.shape());
  AxisOffsets offsets(static_cast<size_t>(rank));
  for (size_t a = 0; a < static_cast<size_t>(rank); ++a) {
    const int64_t dim = x.shape()[a];
    // Negative pads crop, after padding: output index o always reads source index o - begin.
    const int64_t size = dim + begin[a] + end[a];
    if (size < 0)
      fail("{}: pads {} and {} crop more than the {} elements of axis {}", call.node.label(),
           begin[a], end[a], dim, a);
    if (dim == 0 && size > 0 && mode != "constant")
      fail("{}: cannot pad the empty axis {} in {} mode", call.node.label(), a, mode);
    for (int64_t o = 0; o < size; ++o) {
      const int64_t i = pad_source(mode, o - begin[a], dim);
      offsets[a].push_back(i < 0 ? kFill : i * strides[a]);
    }
  }
  return {remap(x, offsets, fill.bytes())};
}

}  // namespace nnd::ref
