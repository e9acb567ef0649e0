#include "onnx/opset.h"

#include <onnx/onnx_pb.h>
#include <onnx/version_converter/convert.h>

#include "core/error.h"
#include "onnx/model_io.h"
#include "onnx/opset_downgrade.h"

namespace nnd::onnx_io {

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

Model convert_opset(const Model& model, int64_t target_version) {
  const std::string name = model.source_path + "+opset" + std::to_string(target_version);
  // Downgrades by our own rules first: libonnx 1.12 lacks the adapters for most ops of opset 13.
  // The result goes through the importer again, so libonnx's checker and shape inference see it.
  std::string ours;
  if (target_version < model.opset()) {
    try {
      return model_from_bytes(model_to_bytes(downgrade_opset(model, target_version)), name);
    } catch (const UserError& e) {
      ours = e.what();
    }
  }
  onnx::ModelProto proto;
  proto.ParseFromString(model_to_bytes(model));
  std::string converted;
  try {
    converted = onnx::version_conversion::ConvertVersion(proto, static_cast<int>(target_version))
                    .SerializeAsString();
  } catch (const std::exception& e) {
    const std::string theirs = first_line(e.what());
    fail("{}: cannot convert from opset {} to opset {}: {}", model.source_path, model.opset(),
         target_version, ours.empty() ? theirs : first_line(ours) + "; libonnx: " + theirs);
  }
  return model_from_bytes(converted, name);
}

}  // namespace nnd::onnx_io
