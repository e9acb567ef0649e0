#pragma once
// A dense, row-major tensor that owns its bytes. Value semantics: copying copies the data.
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"

namespace nnd {

using Shape = std::vector<int64_t>;

int64_t element_count(const Shape& shape);
std::string shape_string(const Shape& shape);
// Row-major strides in elements.
std::vector<int64_t> strides_of(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  Tensor(DType dtype, Shape shape);  // zero-filled

  template <typename T>
  static Tensor of(Shape shape, const std::vector<T>& values) {
    Tensor t(dtype_of<T>(), std::move(shape));
    NND_CHECK(static_cast<int64_t>(values.size()) == t.size(), "{} values for shape {}",
              values.size(), shape_string(t.shape()));
    std::copy(values.begin(), values.end(), t.data<T>());
    return t;
  }
  static Tensor scalar_of(DType dtype, double value);
  // Doubles converted to dtype: integer types truncate toward zero and saturate at their range
  // (NaN gives 0); bool is != 0.
  static Tensor from_doubles(DType dtype, Shape shape, std::span<const double> values);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size() const { return element_count(shape_); }
  int64_t dim(int64_t axis) const;         // negative axes count from the end
  bool defined() const { return valid_; }  // false for a default-constructed Tensor

  template <typename T>
  T* data() {
    NND_CHECK(dtype_of<T>() == dtype_, "tensor is {}", dtype_name(dtype_));
    return reinterpret_cast<T*>(bytes_.data());
  }
  template <typename T>
  const T* data() const {
    NND_CHECK(dtype_of<T>() == dtype_, "tensor is {}", dtype_name(dtype_));
    return reinterpret_cast<const T*>(bytes_.data());
  }
  std::span<const std::byte> bytes() const { return bytes_; }
  std::span<std::byte> mutable_bytes() { return bytes_; }

  double at(int64_t flat_index) const;  // any dtype, as double
  std::vector<double> to_doubles() const;
  std::vector<float> to_floats() const;
  std::vector<int64_t> to_int64s() const;  // integer or bool tensors only
  Tensor cast(DType to) const;
  // Same bytes, new shape with the same element count.
  Tensor reshaped(Shape shape) const;

  bool same_as(const Tensor& other) const;  // dtype, shape and bytes equal
  bool operator==(const Tensor& other) const { return same_as(other); }

 private:
  DType dtype_ = DType::kFloat32;
  Shape shape_;
  std::vector<std::byte> bytes_;
  bool valid_ = false;
};

// Named tensors: a model's inputs, outputs or kept intermediates, by ONNX value name.
using TensorMap = std::map<std::string, Tensor>;

}  // namespace nnd
