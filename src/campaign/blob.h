#pragma once
// The store keeps arrays of int32/float32 as BLOBs of little-endian 4-byte values, back to back
// (docs/store.md), and intermediate tensors as their little-endian elements: compact, exact (floats
// round-trip bit for bit), and readable from any language (numpy.frombuffer(blob, '<f4')).
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nnd::campaign::blob {

inline uint32_t swap_bytes(uint32_t v) { return __builtin_bswap32(v); }  // std::byteswap is C++23

template <typename T>
void encode(const std::vector<T>& values, std::string& out) {
  static_assert(sizeof(T) == 4);
  out.resize(values.size() * 4);
  if constexpr (std::endian::native == std::endian::little) {
    if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
  } else {
    for (size_t i = 0; i < values.size(); ++i) {
      uint32_t bits = swap_bytes(std::bit_cast<uint32_t>(values[i]));
      std::memcpy(out.data() + 4 * i, &bits, 4);
    }
  }
}

// Empty when the blob's size is not a whole number of values: the caller reports the row.
template <typename T>
std::optional<std::vector<T>> decode(std::string_view bytes) {
  static_assert(sizeof(T) == 4);
  if (bytes.size() % 4 != 0) return std::nullopt;
  std::vector<T> values(bytes.size() / 4);
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, bytes.data() + 4 * i, 4);
    if constexpr (std::endian::native != std::endian::little) bits = swap_bytes(bits);
    values[i] = std::bit_cast<T>(bits);
  }
  return values;
}

// A tensor's elements (`width` bytes each, in this machine's order) as little-endian bytes, back
// to back: numpy.frombuffer(blob, numpy.dtype(dtype).newbyteorder("<")).
inline void encode_elements(std::span<const std::byte> native, size_t width, std::string& out) {
  out.resize(native.size());
  if (!native.empty()) std::memcpy(out.data(), native.data(), native.size());
  if constexpr (std::endian::native != std::endian::little)
    for (size_t i = 0; i + width <= out.size(); i += width)
      std::reverse(out.begin() + static_cast<long>(i), out.begin() + static_cast<long>(i + width));
}

// The reverse of encode_elements into `native`; false when the sizes differ.
inline bool decode_elements(std::string_view bytes, size_t width, std::span<std::byte> native) {
  if (bytes.size() != native.size()) return false;
  if (!native.empty()) std::memcpy(native.data(), bytes.data(), bytes.size());
  if constexpr (std::endian::native != std::endian::little)
    for (size_t i = 0; i + width <= native.size(); i += width)
      std::reverse(native.begin() + static_cast<long>(i),
                   native.begin() + static_cast<long>(i + width));
  return true;
}

}  // namespace nnd::campaign::blob
