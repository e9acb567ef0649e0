// The converter's driver: the op table, tensor conversions, and the Program that walks the graph
// once at prepare time and then runs the kernels in order.
#include "backends/torch/converter.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <utility>

#include "core/error.h"

namespace nnd::backends::torch_impl {

namespace {

struct OpEntry {
  const char* op_type;
  KernelBuilder build;
};

constexpr OpEntry kOps[] = {
#define X(family, op) {#op, &build_##op},
#include "backends/torch/torch_ops.def"
#undef X
};

// c10 errors carry a C++ backtrace after the first line; the first line is the message.
std::string first_line(const char* text) {
  std::string s(text);
  return s.substr(0, s.find('\n'));
}

}  // namespace

KernelBuilder find_kernel_builder(const std::string& op_type) {
  for (const OpEntry& e : kOps)
    if (op_type == e.op_type) return e.build;
  return nullptr;
}

std::vector<std::string> supported_ops() {
  std::vector<std::string> ops;
  for (const OpEntry& e : kOps) ops.emplace_back(e.op_type);
  std::sort(ops.begin(), ops.end());
  return ops;
}

at::ScalarType scalar_type_of(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return at::kFloat;
    case DType::kUInt8:
      return at::kByte;
    case DType::kInt8:
      return at::kChar;
    case DType::kInt16:
      return at::kShort;
    case DType::kInt32:
      return at::kInt;
    case DType::kInt64:
      return at::kLong;
    case DType::kBool:
      return at::kBool;
    case DType::kFloat16:
      return at::kHalf;
    case DType::kFloat64:
      return at::kDouble;
  }
  NND_CHECK(false, "dtype {} has no ATen type", static_cast<int>(dtype));
}

DType dtype_of_scalar(at::ScalarType type, const std::string& what) {
  switch (type) {
    case at::kFloat:
      return DType::kFloat32;
    case at::kByte:
      return DType::kUInt8;
    case at::kChar:
      return DType::kInt8;
    case at::kShort:
      return DType::kInt16;
    case at::kInt:
      return DType::kInt32;
    case at::kLong:
      return DType::kInt64;
    case at::kBool:
      return DType::kBool;
    case at::kHalf:
      return DType::kFloat16;
    case at::kDouble:
      return DType::kFloat64;
    default:
      fail("{}: torch produced {}, which nndelta does not hold", what, c10::toString(type));
  }
}

at::Tensor to_aten(const Tensor& tensor) {
  at::Tensor t =
      at::empty(tensor.shape(), at::TensorOptions().dtype(scalar_type_of(tensor.dtype())));
  if (!tensor.bytes().empty())
    std::memcpy(t.data_ptr(), tensor.bytes().data(), tensor.bytes().size());
  return t;
}

Tensor from_aten(const at::Tensor& tensor, const std::string& what) {
  const at::Tensor t = tensor.to(at::kCPU).contiguous();
  Tensor out(dtype_of_scalar(t.scalar_type(), what), Shape(t.sizes().begin(), t.sizes().end()));
  NND_CHECK(out.bytes().size() == static_cast<size_t>(t.nbytes()), "{}: {} bytes for {}", what,
            t.nbytes(), shape_string(out.shape()));
  if (!out.bytes().empty()) std::memcpy(out.mutable_bytes().data(), t.data_ptr(), t.nbytes());
  return out;
}

std::vector<int64_t> int_values(const at::Tensor& tensor, const std::string& label,
                                const char* what) {
  if (!at::isIntegralType(tensor.scalar_type(), /*includeBool=*/false))
    fail("{}: {} must be an integer tensor, got {}", label, what,
         c10::toString(tensor.scalar_type()));
  if (tensor.dim() > 1) fail("{}: {} must be 1-D, got {} dimensions", label, what, tensor.dim());
  const at::Tensor t = tensor.to(at::kCPU).to(at::kLong).contiguous();
  const int64_t* p = t.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + t.numel());
}

int64_t wrap_axis(int64_t axis, int64_t rank, const std::string& label) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    fail("{}: axis {} is out of range for rank {}", label, axis, rank);
  return axis < 0 ? axis + rank : axis;
}

int Program::slot_of(const std::string& name) {
  auto [it, added] = slots_.try_emplace(name, static_cast<int>(slots_.size()));
  if (added) constants_.emplace_back();
  return it->second;
}

Program::Program(const Model& model, bool channels_last, at::Device device)
    : label_(model.source_path.empty() ? model.graph.name : model.source_path),
      device_(device),
      channels_last_(channels_last) {
  const Graph& graph = model.graph;
  std::set<std::string> missing;
  for (const Node& node : graph.nodes)
    if (!node.domain.empty() && node.domain != "ai.onnx")
      missing.insert(fmt::format("{}::{}", node.domain, node.op_type));
    else if (!find_kernel_builder(node.op_type))
      missing.insert(node.op_type);
  if (!missing.empty()) fail("{}: torch does not run op {}", label_, fmt::join(missing, ", "));

  auto prepared = [&](at::Tensor t) {
    t = t.to(device_);
    if (channels_last_ && t.dim() == 4) t = t.contiguous(at::MemoryFormat::ChannelsLast);
    return t;
  };
  for (const auto& [name, tensor] : graph.initializers)
    constants_[static_cast<size_t>(slot_of(name))] = prepared(to_aten(tensor));
  for (const ValueInfo& info : graph.inputs) inputs_.push_back({info, slot_of(info.name)});

  for (const Node& node : graph.nodes) {
    NodeContext context{node, model.opset(), {}, channels_last_};
    Step step;
    step.label = node.label();
    for (const std::string& name : node.inputs) {
      if (name.empty()) {
        step.inputs.push_back(-1);
        context.constants.emplace_back();
        continue;
      }
      auto it = slots_.find(name);
      if (it == slots_.end())
        fail("{}: {} reads '{}', which nothing produces", label_, step.label, name);
      step.inputs.push_back(it->second);
      context.constants.push_back(constants_[static_cast<size_t>(it->second)]);
    }
    for (const std::string& name : node.outputs) {
      step.outputs.push_back(name.empty() ? -1 : slot_of(name));
      std::optional<at::ScalarType> type;
      if (const ValueInfo* info = name.empty() ? nullptr : graph.find_value_info(name);
          info && info->dtype)
        type = scalar_type_of(*info->dtype);
      step.output_types.push_back(type);
    }
    step.kernel = find_kernel_builder(node.op_type)(context);
    if (node.inputs.empty()) {
      // Constant: computed once here.
      std::vector<at::Tensor> values = step.kernel({});
      for (size_t k = 0; k < step.outputs.size() && k < values.size(); ++k)
        if (step.outputs[k] >= 0)
          constants_[static_cast<size_t>(step.outputs[k])] = prepared(values[k]);
      continue;
    }
    steps_.push_back(std::move(step));
  }
  for (const ValueInfo& out : graph.outputs) {
    auto it = slots_.find(out.name);
    if (it == slots_.end()) fail("{}: graph output '{}' is never produced", label_, out.name);
    outputs_.emplace_back(out.name, it->second);
  }
}

TensorMap Program::run(const TensorMap& inputs) const {
  std::vector<at::Tensor> values = constants_;
  for (const Input& in : inputs_) {
    auto it = inputs.find(in.info.name);
    if (it == inputs.end()) fail("{}: input '{}' is missing", label_, in.info.name);
    const Tensor& given = it->second;
    if (in.info.dtype && *in.info.dtype != given.dtype())
      fail("{}: input '{}' is {} but the model expects {}", label_, in.info.name,
           dtype_name(given.dtype()), dtype_name(*in.info.dtype));
    if (in.info.dims) {
      bool fits = static_cast<int64_t>(in.info.dims->size()) == given.rank();
      for (size_t d = 0; fits && d < in.info.dims->size(); ++d)
        fits = !(*in.info.dims)[d].known() || (*in.info.dims)[d].value == given.shape()[d];
      if (!fits)
        fail("{}: input '{}' has shape {}, which the model's declared shape does not allow", label_,
             in.info.name, shape_string(given.shape()));
    }
    at::Tensor t = to_aten(given).to(device_);
    if (channels_last_ && t.dim() == 4) t = t.contiguous(at::MemoryFormat::ChannelsLast);
    values[static_cast<size_t>(in.slot)] = std::move(t);
  }

  std::vector<at::Tensor> args;
  for (const Step& step : steps_) {
    args.clear();
    for (int slot : step.inputs) {
      at::Tensor t = slot < 0 ? at::Tensor() : values[static_cast<size_t>(slot)];
      // ATen 1.13 lacks most float16 kernels on the CPU: compute in float32, round on output.
      if (t.defined() && t.scalar_type() == at::kHalf && device_.is_cpu()) t = t.to(at::kFloat);
      args.push_back(std::move(t));
    }
    std::vector<at::Tensor> outs;
    try {
      outs = step.kernel(args);
    } catch (const c10::Error& e) {
      fail("{}: {}: torch: {}", label_, step.label, first_line(e.what_without_backtrace()));
    }
    for (size_t k = 0; k < step.outputs.size(); ++k) {
      if (step.outputs[k] < 0) continue;
      NND_CHECK(k < outs.size() && outs[k].defined(), "{}: output {} was not computed", step.label,
                k);
      at::Tensor& out = outs[k];
      if (step.output_types[k] && out.scalar_type() != *step.output_types[k])
        out = out.to(*step.output_types[k]);
      values[static_cast<size_t>(step.outputs[k])] = std::move(out);
    }
  }

  TensorMap result;
  for (const auto& [name, slot] : outputs_) {
    const at::Tensor& t = values[static_cast<size_t>(slot)];
    if (!t.defined()) fail("{}: output '{}' was not computed", label_, name);
    result[name] = from_aten(t, fmt::format("{}: output '{}'", label_, name));
  }
  return result;
}

}  // namespace nnd::backends::torch_impl
