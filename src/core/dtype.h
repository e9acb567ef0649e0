#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/half.h"

namespace nnd {

enum class DType : uint8_t {
#define X(name, ctype, text, onnx) name,
#include "core/dtypes.def"
#undef X
};

size_t dtype_size(DType t);
std::string_view dtype_name(DType t);
int onnx_type_of(DType t);
// nullopt for ONNX element types nndelta does not handle (strings, complex, bfloat16...).
std::optional<DType> dtype_from_onnx(int onnx_type);
bool is_floating(DType t);

template <typename T>
constexpr DType dtype_of();
#define X(name, ctype, text, onnx)    \
  template <>                         \
  constexpr DType dtype_of<ctype>() { \
    return DType::name;               \
  }
#include "core/dtypes.def"
#undef X

// Calls fn with a value-initialised object of the storage type of t, to select a template.
template <typename Fn>
decltype(auto) visit_dtype(DType t, Fn&& fn) {
  switch (t) {
#define X(name, ctype, text, onnx) \
  case DType::name:                \
    return fn(ctype{}); /* NOLINT(bugprone-macro-parentheses): ctype is a type */
#include "core/dtypes.def"
#undef X
  }
  __builtin_unreachable();
}

}  // namespace nnd
