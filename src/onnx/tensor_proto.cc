#include "onnx/tensor_proto.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace nnd::onnx_io {

namespace {

// Typed repeated fields hold values of a wider type (int32_data carries int8..uint16, bool and
// float16 bits); copy them element by element into the tensor's storage type.
template <typename Field>
void copy_field(const Field& field, Tensor& t) {
  visit_dtype(t.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* out = t.data<T>();
    for (int i = 0; i < field.size(); ++i) {
      if constexpr (std::is_same_v<T, Half>) {
        out[i].bits = static_cast<uint16_t>(field.Get(i));
      } else {
        out[i] = static_cast<T>(field.Get(i));
      }
    }
  });
}

}  // namespace

Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what) {
  std::optional<DType> dtype = dtype_from_onnx(proto.data_type());
  if (!dtype)
    fail("{}: element type {} ({}) is not supported by nndelta", what, proto.data_type(),
         onnx::TensorProto_DataType_Name(
             static_cast<onnx::TensorProto_DataType>(proto.data_type())));
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    fail("{}: tensor data stored in an external file is not supported", what);
  Shape shape(proto.dims().begin(), proto.dims().end());
  // Check the element count against the data before allocating: a corrupt file can claim any
  // shape, and must get an error, not an attempt to allocate petabytes.
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) fail("{}: negative dimension in shape {}", what, shape_string(shape));
    if (d != 0 && count > (int64_t{1} << 40) / d)
      fail("{}: shape {} is implausibly large", what, shape_string(shape));
    count *= d;
  }
  const size_t expected = static_cast<size_t>(count) * dtype_size(*dtype);
  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    if (raw.size() != expected)
      fail("{}: raw data has {} bytes, but a {} tensor of shape {} needs {}", what, raw.size(),
           dtype_name(*dtype), shape_string(shape), expected);
    Tensor t(*dtype, shape);
    if (expected > 0) std::memcpy(t.mutable_bytes().data(), raw.data(), expected);
    return t;
  }
  const int stored = *dtype == DType::kFloat32   ? proto.float_data_size()
                     : *dtype == DType::kFloat64 ? proto.double_data_size()
                     : *dtype == DType::kInt64   ? proto.int64_data_size()
                                                 : proto.int32_data_size();
  if (stored != count)
    fail("{}: holds {} values, but its shape {} needs {}", what, stored, shape_string(shape),
         count);
  Tensor t(*dtype, shape);
  switch (*dtype) {
    case DType::kFloat32:
      copy_field(proto.float_data(), t);
      break;
    case DType::kFloat64:
      copy_field(proto.double_data(), t);
      break;
    case DType::kInt64:
      copy_field(proto.int64_data(), t);
      break;
    default:
      copy_field(proto.int32_data(), t);
      break;
  }
  return t;
}

onnx::TensorProto tensor_to_proto(const Tensor& tensor, const std::string& name) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(onnx_type_of(tensor.dtype()));
  for (int64_t d : tensor.shape()) proto.add_dims(d);
  proto.set_raw_data(reinterpret_cast<const char*>(tensor.bytes().data()), tensor.bytes().size());
  return proto;
}

Tensor load_tensor_file(const std::string& path, std::string* name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open tensor file", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  onnx::TensorProto proto;
  if (!proto.ParseFromString(buffer.str()))
    fail("{}: not a serialized ONNX TensorProto (parsing failed)", path);
  if (name) *name = proto.name();
  return tensor_from_proto(proto, path);
}

void save_tensor_file(const Tensor& tensor, const std::string& name, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out || !tensor_to_proto(tensor, name).SerializeToOstream(&out))
    fail("{}: cannot write tensor file", path);
}

}  // namespace nnd::onnx_io
