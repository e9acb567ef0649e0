#pragma once
// Conversion between nndelta tensors and ONNX TensorProto messages.
#include <onnx/onnx_pb.h>

#include <string>

#include "core/tensor.h"

namespace nnd::onnx_io {

// `what` names the tensor in error messages (e.g. "model.onnx: initializer 'conv1.weight'").
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what);
// Always writes raw_data (little-endian), as ONNX's own tools do.
onnx::TensorProto tensor_to_proto(const Tensor& tensor, const std::string& name);

// Reads a serialized TensorProto file, as the ONNX backend test data ships (input_0.pb).
// `name`, when given, receives the TensorProto's name (empty when it has none).
Tensor load_tensor_file(const std::string& path, std::string* name = nullptr);
void save_tensor_file(const Tensor& tensor, const std::string& name, const std::string& path);

}  // namespace nnd::onnx_io
