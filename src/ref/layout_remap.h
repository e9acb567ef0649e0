#pragma once
// The one element copy behind Slice, Split, Transpose and Pad: each output axis gets a table of
// the source offsets its indices read, so the ops differ only in how they build the tables. The
// copy moves bytes, so every dtype (int64 above 2^53, bool, float16) comes through unchanged.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "core/tensor.h"

namespace nnd::ref {

// Marks an output index that reads no source element but the fill value (Pad's constant).
inline constexpr int64_t kFill = -1;

// For each output axis, the source element offset that each index along it contributes.
using AxisOffsets = std::vector<std::vector<int64_t>>;

// Source offsets of the `count` indices start, start + step, ... along an axis of `stride`.
inline std::vector<int64_t> stepped_offsets(int64_t start, int64_t step, int64_t count,
                                            int64_t stride) {
  std::vector<int64_t> offsets(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) offsets[static_cast<size_t>(i)] = (start + i * step) * stride;
  return offsets;
}

// The tables that copy every axis of `shape` as it is.
inline AxisOffsets identity_offsets(const Shape& shape) {
  std::vector<int64_t> strides = strides_of(shape);
  AxisOffsets offsets;
  for (size_t a = 0; a < shape.size(); ++a)
    offsets.push_back(stepped_offsets(0, 1, shape[a], strides[a]));
  return offsets;
}

// A tensor of src's dtype, shaped by the table sizes, whose element (i0, i1, ...) is src's element
// at offsets[0][i0] + offsets[1][i1] + ..., or `fill` (one element's bytes) where any is kFill.
inline Tensor remap(const Tensor& src, const AxisOffsets& offsets,
                    std::span<const std::byte> fill = {}) {
  Shape shape;
  for (const std::vector<int64_t>& axis : offsets)
    shape.push_back(static_cast<int64_t>(axis.size()));
  Tensor out(src.dtype(), shape);
  const size_t width = dtype_size(src.dtype());
  const std::byte* from = src.bytes().data();
  std::byte* to = out.mutable_bytes().data();
  auto copy = [&](auto& self, size_t axis, int64_t base) -> void {
    if (axis == offsets.size()) {
      NND_CHECK(base != kFill || fill.size() == width, "fill value needed but not given");
      std::memcpy(to, base == kFill ? fill.data() : from + base * static_cast<int64_t>(width),
                  width);
      to += width;
      return;
    }
    for (int64_t offset : offsets[axis])
      self(self, axis + 1, base == kFill || offset == kFill ? kFill : base + offset);
  };
  if (out.size() > 0) copy(copy, 0, 0);
  return out;
}

}  // namespace nnd::ref
