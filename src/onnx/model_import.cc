// ONNX ModelProto -> nndelta Model, after libonnx's checker and shape inference.
#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "onnx/model_io.h"
#include "onnx/tensor_proto.h"

namespace nnd::onnx_io {

namespace {

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? text : line;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open model file", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

onnx::ModelProto parse(const std::string& bytes, const std::string& source) {
  if (bytes.empty()) fail("{}: file is empty, not an ONNX model", source);
  onnx::ModelProto proto;
  if (!proto.ParseFromString(bytes))
    fail("{}: not an ONNX model (protobuf parsing failed: truncated or corrupt file)", source);
  if (!proto.has_graph() || proto.ir_version() == 0)
    fail("{}: not an ONNX model (no ir_version or no graph)", source);
  return proto;
}

// A value whose type nndelta cannot hold (a sequence, a string tensor...) makes the whole model
// unsupported: a Model only holds what nndelta can run and write back unchanged.
ValueInfo value_info_from_proto(const onnx::ValueInfoProto& proto, const std::string& source) {
  ValueInfo info;
  info.name = proto.name();
  if (!proto.type().has_tensor_type())
    fail("{}: value '{}' is not a tensor (sequence, map or optional types are not supported)",
         source, proto.name());
  const onnx::TypeProto_Tensor& tensor_type = proto.type().tensor_type();
  if (tensor_type.elem_type() != onnx::TensorProto::UNDEFINED) {
    info.dtype = dtype_from_onnx(tensor_type.elem_type());
    if (!info.dtype)
      fail("{}: value '{}' has element type {}, which nndelta does not support", source,
           proto.name(),
           onnx::TensorProto_DataType_Name(
               static_cast<onnx::TensorProto_DataType>(tensor_type.elem_type())));
  }
  if (!tensor_type.has_shape()) return info;
  std::vector<Dim> dims;
  for (const auto& d : tensor_type.shape().dim()) {
    Dim dim;
    if (d.has_dim_value()) dim.value = d.dim_value();
    if (d.has_dim_param()) dim.symbol = d.dim_param();
    dims.push_back(dim);
  }
  info.dims = std::move(dims);
  return info;
}

Attribute attribute_from_proto(const onnx::AttributeProto& a, const std::string& where) {
  using A = onnx::AttributeProto;
  switch (a.type()) {
    case A::INT:
      return {int64_t{a.i()}};
    case A::FLOAT:
      return {a.f()};
    case A::STRING:
      return {a.s()};
    case A::TENSOR:
      return {tensor_from_proto(a.t(), where + " attribute '" + a.name() + "'")};
    case A::GRAPH:
      return {SerializedGraph{a.g().SerializeAsString()}};
    case A::INTS:
      return {std::vector<int64_t>(a.ints().begin(), a.ints().end())};
    case A::FLOATS:
      return {std::vector<float>(a.floats().begin(), a.floats().end())};
    case A::STRINGS:
      return {std::vector<std::string>(a.strings().begin(), a.strings().end())};
    default:
      fail("{}: attribute '{}' has type {}, which nndelta does not support", where, a.name(),
           A::AttributeType_Name(a.type()));
  }
}

Model model_from_proto(const onnx::ModelProto& proto, const std::string& source) {
  Model model;
  model.source_path = source;
  model.ir_version = proto.ir_version();
  model.producer_name = proto.producer_name();
  model.producer_version = proto.producer_version();
  for (const auto& o : proto.opset_import()) model.opsets.push_back({o.domain(), o.version()});

  const onnx::GraphProto& g = proto.graph();
  Graph& graph = model.graph;
  graph.name = g.name();
  for (const auto& init : g.initializer())
    graph.initializers[init.name()] =
        tensor_from_proto(init, source + ": initializer '" + init.name() + "'");
  if (g.sparse_initializer_size() > 0) fail("{}: sparse initializers are not supported", source);
  // Before IR version 4 initializers were also listed as inputs; they are constants here.
  for (const auto& in : g.input())
    if (!graph.initializers.count(in.name()))
      graph.inputs.push_back(value_info_from_proto(in, source));
  for (const auto& out : g.output()) graph.outputs.push_back(value_info_from_proto(out, source));
  for (const auto& vi : g.value_info())
    graph.value_info[vi.name()] = value_info_from_proto(vi, source);
  for (const auto& n : g.node()) {
    Node node;
    node.name = n.name();
    node.op_type = n.op_type();
    node.domain = n.domain();
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    const std::string where = source + ": " + node.label();
    for (const auto& a : n.attribute()) node.attributes[a.name()] = attribute_from_proto(a, where);
    graph.nodes.push_back(std::move(node));
  }
  try {
    sort_topologically(graph);
  } catch (const UserError& e) {
    fail("{}: {}", source, e.what());
  }
  return model;
}

// libonnx's checker resolves an op against the newest schema at or below the model's opset, so
// a model claiming opset 99 would pass; such a model was made by a tool newer than ours.
void check_opsets_known(const onnx::ModelProto& proto, const std::string& source) {
  const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  for (const auto& o : proto.opset_import()) {
    const std::string domain = o.domain() == "ai.onnx" ? "" : o.domain();
    auto it = known.find(domain);
    if (it == known.end()) continue;  // custom domains: their ops are reported as unsupported
    if (o.version() < it->second.first || o.version() > it->second.second)
      fail("{}: opset {} of domain '{}' is unknown (this nndelta knows {} to {})", source,
           o.version(), o.domain(), it->second.first, it->second.second);
  }
}

// Runs libonnx's checker, then strict shape inference (so a node whose input shapes contradict
// its op is reported, naming the node). Returns "" and fills `proto`, or the error message.
std::string check_and_infer(onnx::ModelProto& proto) {
  try {
    onnx::checker::check_model(proto);
  } catch (const std::exception& e) {
    return "invalid ONNX model: " + first_line(e.what());
  }
  try {
    onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(false, 1, false));
  } catch (const std::exception& e) {
    return "shape inference failed: " + first_line(e.what());
  }
  return {};
}

// libonnx 1.12 dereferences null on some malformed models (fuzzing found ConvTranspose on a
// rank-2 input), so it runs in a child process: a malformed file gets an error, never a crash.
onnx::ModelProto checked_and_inferred(onnx::ModelProto proto, const std::string& source) {
  // Build libonnx's schema registry once here, not again in every child.
  static const bool registry_ready = onnx::OpSchemaRegistry::Schema("Relu", 14, "") != nullptr;
  (void)registry_ready;
  int fds[2];
  if (pipe(fds) != 0) fail("{}: cannot create a pipe to check the model", source);
  pid_t child = fork();
  if (child < 0) fail("{}: cannot fork to check the model", source);
  if (child == 0) {
    close(fds[0]);
    std::string error = check_and_infer(proto);
    std::string reply(1, error.empty() ? 'O' : 'E');
    reply += error.empty() ? proto.SerializeAsString() : error;
    for (size_t done = 0; done < reply.size();) {
      ssize_t n = write(fds[1], reply.data() + done, reply.size() - done);
      if (n <= 0) _exit(3);
      done += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string reply;
  char buffer[1 << 16];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    reply.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    fail("{}: libonnx crashed ({}) while checking the model: the file is malformed", source,
         strsignal(WTERMSIG(status)));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || reply.empty())
    fail("{}: checking the model failed (checker exit status {})", source, status);
  if (reply[0] == 'E') fail("{}: {}", source, reply.substr(1));
  onnx::ModelProto inferred;
  NND_CHECK(inferred.ParseFromArray(reply.data() + 1, static_cast<int>(reply.size() - 1)),
            "cannot read back the model that libonnx checked");
  return inferred;
}

}  // namespace

Model model_from_bytes(const std::string& bytes, const std::string& source) {
  onnx::ModelProto proto = parse(bytes, source);
  check_opsets_known(proto, source);
  proto = checked_and_inferred(proto, source);
  return model_from_proto(proto, source);
}

Model load_model(const std::string& path) { return model_from_bytes(read_file(path), path); }

ModelSummary summarize_model_file(const std::string& path) {
  onnx::ModelProto proto = parse(read_file(path), path);
  std::set<std::string> ops, types;
  auto note_elem_type = [&](int elem_type) {
    if (!dtype_from_onnx(elem_type))
      types.insert(fmt::format(
          "tensor({})",
          onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(elem_type))));
  };
  auto note_value = [&](const onnx::ValueInfoProto& v) {
    const onnx::TypeProto& t = v.type();
    if (t.has_tensor_type()) {
      note_elem_type(t.tensor_type().elem_type());
    } else if (t.has_sequence_type()) {
      types.insert("sequence");
    } else if (t.has_optional_type()) {
      types.insert("optional");
    } else if (t.value_case() != onnx::TypeProto::VALUE_NOT_SET) {
      types.insert("map or sparse tensor");
    }
  };
  const onnx::GraphProto& g = proto.graph();
  for (const auto& n : g.node()) ops.insert(n.op_type());
  for (const auto& v : g.input()) note_value(v);
  for (const auto& v : g.output()) note_value(v);
  for (const auto& t : g.initializer()) note_elem_type(t.data_type());
  return {{ops.begin(), ops.end()}, {types.begin(), types.end()}};
}

}  // namespace nnd::onnx_io
