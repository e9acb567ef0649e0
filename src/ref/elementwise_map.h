#pragma once
// Shared machinery of the elementwise ops (activation, unary, binary). Values are computed as
// int64_t when every input is an integer or bool tensor, so that integer results are exact and
// wrap around like numpy's instead of losing bits in a double; otherwise as double.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "ref/broadcast.h"
#include "ref/op_call.h"

namespace nnd::ref {

// Lets an op give one lambda for the double path and one for the int64_t path.
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// Two's complement arithmetic: signed overflow is undefined in C++ but wraps in numpy and ORT.
inline int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t wrapping_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t wrapping_mul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
inline int64_t wrapping_neg(int64_t a) { return wrapping_sub(0, a); }

// Integer dtypes saturate (after truncation toward zero; NaN becomes 0), so that an out-of-range
// double never reaches an undefined float-to-integer conversion.
inline Tensor tensor_from(DType dtype, Shape shape, std::vector<double> values) {
  if (!is_floating(dtype) && dtype != DType::kBool) {
    visit_dtype(dtype, [&](auto zero) {
      using T = decltype(zero);
      if constexpr (std::is_integral_v<T>) {
        const double lo = static_cast<double>(std::numeric_limits<T>::min());
        const double hi = std::nextafter(std::ldexp(1.0, std::numeric_limits<T>::digits), 0.0);
        for (double& v : values) v = std::isnan(v) ? 0.0 : std::clamp(std::trunc(v), lo, hi);
      }
    });
  }
  return Tensor::from_doubles(dtype, std::move(shape), values);
}

// Integer dtypes keep the low bits (modular, as numpy's astype does).
inline Tensor tensor_from(DType dtype, Shape shape, const std::vector<int64_t>& values) {
  Tensor t(dtype, std::move(shape));
  NND_CHECK(static_cast<int64_t>(values.size()) == t.size(), "{} values for shape {}",
            values.size(), shape_string(t.shape()));
  visit_dtype(dtype, [&](auto zero) {
    using T = decltype(zero);
    T* out = t.data<T>();
    for (size_t i = 0; i < values.size(); ++i) {
      if constexpr (std::is_same_v<T, bool>) {
        out[i] = values[i] != 0;
      } else if constexpr (std::is_same_v<T, Half>) {
        out[i] = Half(static_cast<float>(values[i]));
      } else {
        out[i] = static_cast<T>(values[i]);
      }
    }
  });
  return t;
}

// The tensor's values as T (double or int64_t), expanded to the compatible shape `to`.
template <typename T>
std::vector<T> broadcast_as(const Tensor& tensor, const Shape& to) {
  if constexpr (std::is_same_v<T, double>) {
    return broadcast_values(tensor, to);
  } else {
    std::vector<int64_t> own = tensor.to_int64s();
    if (tensor.shape() == to) return own;
    // Broadcasting the element indices (exact in a double) reuses broadcast_values' walk.
    std::vector<double> iota(own.size());
    for (size_t i = 0; i < iota.size(); ++i) iota[i] = static_cast<double>(i);
    std::vector<double> from =
        broadcast_values(Tensor::from_doubles(DType::kFloat64, tensor.shape(), iota), to);
    std::vector<int64_t> out(from.size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = own[static_cast<size_t>(from[i])];
    return out;
  }
}

// Calls fn on each element of the inputs broadcast together (multidirectionally) and returns the
// results as a tensor of dtype `out`. fn gets int64_t arguments when every input is an integer or
// bool tensor, doubles otherwise.
template <size_t N, typename Fn>
Tensor broadcast_map(const OpCall& call, const std::array<const Tensor*, N>& inputs, DType out,
                     Fn&& fn) {
  std::array<Shape, N> shapes;
  bool integer = true;
  for (size_t i = 0; i < N; ++i) {
    shapes[i] = inputs[i]->shape();
    integer = integer && !is_floating(inputs[i]->dtype());
  }
  Shape shape = N == 1 ? shapes[0] : broadcast_shapes(call, shapes);
  auto run = [&]<typename T>() {
    std::array<std::vector<T>, N> values;
    for (size_t i = 0; i < N; ++i) values[i] = broadcast_as<T>(*inputs[i], shape);
    std::vector<T> result(static_cast<size_t>(element_count(shape)));
    [&]<size_t... I>(std::index_sequence<I...>) {
      for (size_t k = 0; k < result.size(); ++k) result[k] = static_cast<T>(fn(values[I][k]...));
    }
    (std::make_index_sequence<N>{});
    return tensor_from(out, shape, std::move(result));
  };
  return integer ? run.template operator()<int64_t>() : run.template operator()<double>();
}

template <typename Fn>
Tensor unary_map(const OpCall& call, const Tensor& x, Fn&& fn) {
  return broadcast_map<1>(call, {&x}, x.dtype(), std::forward<Fn>(fn));
}

inline void expect_input_count(const OpCall& call, size_t lo, size_t hi) {
  const size_t n = call.inputs.size();
  if (n < lo || n > hi) {
    if (lo == hi) fail("{}: expects {} input(s), got {}", call.node.label(), lo, n);
    fail("{}: expects {} to {} inputs, got {}", call.node.label(), lo, hi, n);
  }
}

// For ops whose type constraints admit only float16/float/double.
inline void require_floating(const OpCall& call, const Tensor& x) {
  if (!is_floating(x.dtype()))
    fail("{}: {} input is not allowed, the op takes floating-point tensors only", call.node.label(),
         dtype_name(x.dtype()));
}

inline void require_same_dtype(const OpCall& call, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    fail("{}: inputs must have the same type, got {} and {}", call.node.label(),
         dtype_name(a.dtype()), dtype_name(b.dtype()));
}

}  // namespace nnd::ref
