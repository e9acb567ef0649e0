#include "core/dtype.h"

namespace nnd {

size_t dtype_size(DType t) {
  return visit_dtype(t, [](auto v) { return sizeof(v); });
}

std::string_view dtype_name(DType t) {
  switch (t) {
#define X(name, ctype, text, onnx) \
  case DType::name:                \
    return text;
#include "core/dtypes.def"
#undef X
  }
  return "?";
}

int onnx_type_of(DType t) {
  switch (t) {
#define X(name, ctype, text, onnx) \
  case DType::name:                \
    return onnx;
#include "core/dtypes.def"
#undef X
  }
  return 0;
}

std::optional<DType> dtype_from_onnx(int onnx_type) {
#define X(name, ctype, text, onnx) \
  if (onnx_type == (onnx)) return DType::name;
#include "core/dtypes.def"
#undef X
  return std::nullopt;
}

bool is_floating(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kFloat64;
}

}  // namespace nnd
