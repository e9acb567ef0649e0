#include "core/tensor.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace nnd {

int64_t element_count(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_string(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ",")); }

std::vector<int64_t> strides_of(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)), valid_(true) {
  for (int64_t d : shape_) NND_CHECK(d >= 0, "negative dimension in {}", shape_string(shape_));
  bytes_.resize(static_cast<size_t>(size()) * dtype_size(dtype_));
}

namespace {

template <typename T>
T from_double(double v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0.0;
  } else if constexpr (std::is_same_v<T, Half>) {
    return Half(static_cast<float>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    // Truncation toward zero, as C++ and numpy cast; saturating, because a cast of an
    // out-of-range double to an integer is undefined behaviour. Ops that round do so first.
    if (std::isnan(v)) return T{0};
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest()))
      return std::numeric_limits<T>::lowest();
    if (v >= static_cast<double>(std::numeric_limits<T>::max()))
      return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  }
}

template <typename T>
double to_double(T v) {
  if constexpr (std::is_same_v<T, Half>) {
    return static_cast<double>(static_cast<float>(v));
  } else {
    return static_cast<double>(v);
  }
}

}  // namespace

Tensor Tensor::scalar_of(DType dtype, double value) {
  return from_doubles(dtype, {}, std::span<const double>(&value, 1));
}

Tensor Tensor::from_doubles(DType dtype, Shape shape, std::span<const double> values) {
  Tensor t(dtype, std::move(shape));
  NND_CHECK(static_cast<int64_t>(values.size()) == t.size(), "{} values for shape {}",
            values.size(), shape_string(t.shape()));
  visit_dtype(dtype, [&](auto zero) {
    using T = decltype(zero);
    T* out = t.data<T>();
    for (size_t i = 0; i < values.size(); ++i) out[i] = from_double<T>(values[i]);
  });
  return t;
}

int64_t Tensor::dim(int64_t axis) const {
  int64_t r = rank();
  if (axis < 0) axis += r;
  NND_CHECK(axis >= 0 && axis < r, "axis {} of a rank-{} tensor", axis, r);
  return shape_[static_cast<size_t>(axis)];
}

double Tensor::at(int64_t i) const {
  return visit_dtype(dtype_, [&](auto zero) {
    using T = decltype(zero);
    return to_double(data<T>()[i]);
  });
}

std::vector<double> Tensor::to_doubles() const {
  std::vector<double> out(static_cast<size_t>(size()));
  visit_dtype(dtype_, [&](auto zero) {
    using T = decltype(zero);
    const T* p = data<T>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = to_double(p[i]);
  });
  return out;
}

std::vector<float> Tensor::to_floats() const {
  if (dtype_ == DType::kFloat32) return {data<float>(), data<float>() + size()};
  std::vector<double> d = to_doubles();
  return {d.begin(), d.end()};
}

std::vector<int64_t> Tensor::to_int64s() const {
  NND_CHECK(!is_floating(dtype_), "to_int64s on a {} tensor", dtype_name(dtype_));
  std::vector<int64_t> out(static_cast<size_t>(size()));
  visit_dtype(dtype_, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, Half>) {
      const T* p = data<T>();
      for (size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<int64_t>(p[i]);  // NOLINT(bugprone-signed-char-misuse): int8 is signed
    }
  });
  return out;
}

Tensor Tensor::cast(DType to) const {
  if (to == dtype_) return *this;
  if (dtype_ == DType::kInt64 || to == DType::kInt64) {
    // Go through int64 directly so large integers keep every bit.
    if (!is_floating(dtype_) && !is_floating(to)) {
      std::vector<int64_t> v = to_int64s();
      Tensor t(to, shape_);
      visit_dtype(to, [&](auto zero) {
        using T = decltype(zero);
        if constexpr (!std::is_same_v<T, Half>) {
          T* out = t.data<T>();
          for (size_t i = 0; i < v.size(); ++i) out[i] = static_cast<T>(v[i]);
        }
      });
      return t;
    }
  }
  std::vector<double> v = to_doubles();
  return from_doubles(to, shape_, v);
}

Tensor Tensor::reshaped(Shape shape) const {
  NND_CHECK(element_count(shape) == size(), "reshape {} to {}", shape_string(shape_),
            shape_string(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

bool Tensor::same_as(const Tensor& other) const {
  return dtype_ == other.dtype_ && shape_ == other.shape_ && bytes_ == other.bytes_;
}

}  // namespace nnd
