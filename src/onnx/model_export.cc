// nndelta Model -> ONNX ModelProto.
#include <onnx/onnx_pb.h>

#include <fstream>

#include "core/error.h"
#include "onnx/model_io.h"
#include "onnx/tensor_proto.h"

namespace nnd::onnx_io {

namespace {

void value_info_to_proto(const ValueInfo& info, onnx::ValueInfoProto* proto) {
  proto->set_name(info.name);
  if (!info.dtype && !info.dims) return;
  onnx::TypeProto_Tensor* tensor_type = proto->mutable_type()->mutable_tensor_type();
  if (info.dtype) tensor_type->set_elem_type(onnx_type_of(*info.dtype));
  if (!info.dims) return;
  onnx::TensorShapeProto* shape = tensor_type->mutable_shape();
  for (const Dim& d : *info.dims) {
    auto* dim = shape->add_dim();
    if (d.known()) dim->set_dim_value(d.value);
    if (!d.symbol.empty()) dim->set_dim_param(d.symbol);
  }
}

struct AttributeWriter {
  onnx::AttributeProto* a;
  void operator()(int64_t v) const {
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  void operator()(float v) const {
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  void operator()(const std::string& v) const {
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  void operator()(const Tensor& v) const {
    a->set_type(onnx::AttributeProto::TENSOR);
    *a->mutable_t() = tensor_to_proto(v, "");
  }
  void operator()(const SerializedGraph& v) const {
    a->set_type(onnx::AttributeProto::GRAPH);
    a->mutable_g()->ParseFromString(v.bytes);
  }
  void operator()(const std::vector<int64_t>& v) const {
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  void operator()(const std::vector<float>& v) const {
    a->set_type(onnx::AttributeProto::FLOATS);
    for (float x : v) a->add_floats(x);
  }
  void operator()(const std::vector<std::string>& v) const {
    a->set_type(onnx::AttributeProto::STRINGS);
    for (const std::string& x : v) a->add_strings(x);
  }
};

onnx::ModelProto model_to_proto(const Model& model) {
  onnx::ModelProto proto;
  proto.set_ir_version(model.ir_version);
  proto.set_producer_name(model.producer_name);
  proto.set_producer_version(model.producer_version);
  for (const OpsetImport& o : model.opsets) {
    auto* op = proto.add_opset_import();
    op->set_domain(o.domain);
    op->set_version(o.version);
  }
  const Graph& graph = model.graph;
  onnx::GraphProto* g = proto.mutable_graph();
  g->set_name(graph.name);
  for (const ValueInfo& in : graph.inputs) value_info_to_proto(in, g->add_input());
  // Before IR version 4 every initializer had to be listed as a graph input too.
  if (model.ir_version < 4) {
    for (const auto& [name, tensor] : graph.initializers) {
      std::vector<Dim> dims;
      for (int64_t d : tensor.shape()) dims.push_back({d, ""});
      value_info_to_proto({name, tensor.dtype(), dims}, g->add_input());
    }
  }
  for (const ValueInfo& out : graph.outputs) value_info_to_proto(out, g->add_output());
  for (const auto& [name, info] : graph.value_info) value_info_to_proto(info, g->add_value_info());
  for (const auto& [name, tensor] : graph.initializers)
    *g->add_initializer() = tensor_to_proto(tensor, name);
  for (const Node& node : graph.nodes) {
    onnx::NodeProto* n = g->add_node();
    n->set_name(node.name);
    n->set_op_type(node.op_type);
    n->set_domain(node.domain);
    for (const std::string& in : node.inputs) n->add_input(in);
    for (const std::string& out : node.outputs) n->add_output(out);
    for (const auto& [name, attr] : node.attributes) {
      onnx::AttributeProto* a = n->add_attribute();
      a->set_name(name);
      std::visit(AttributeWriter{a}, attr.value);
    }
  }
  return proto;
}

}  // namespace

std::string model_to_bytes(const Model& model) { return model_to_proto(model).SerializeAsString(); }

void save_model(const Model& model, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) fail("{}: cannot open for writing", path);
  out << model_to_bytes(model);
  if (!out) fail("{}: write failed", path);
}

}  // namespace nnd::onnx_io
