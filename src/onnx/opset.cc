#include "onnx/opset.h"

#include <onnx/onnx_pb.h>
#include <onnx/version_converter/convert.h>

#include "core/error.h"
#include "onnx/model_io.h"

namespace nnd::onnx_io {

Model convert_opset(const Model& model, int64_t target_version) {
  onnx::ModelProto proto;
  proto.ParseFromString(model_to_bytes(model));
  std::string converted;
  try {
    converted = onnx::version_conversion::ConvertVersion(proto, static_cast<int>(target_version))
                    .SerializeAsString();
  } catch (const std::exception& e) {
    std::string why = e.what();
    fail("{}: cannot convert from opset {} to opset {}: {}", model.source_path, model.opset(),
         target_version, why.substr(0, why.find('\n')));
  }
  return model_from_bytes(converted, model.source_path + "+opset" + std::to_string(target_version));
}

}  // namespace nnd::onnx_io
