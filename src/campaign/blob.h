#pragma once
// The store keeps arrays of int32/float32 as BLOBs of little-endian 4-byte values, back to back
// (docs/store.md): compact, exact (floats round-trip bit for bit), and readable from any language
// (numpy.frombuffer(blob, '<f4')).
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
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

}  // namespace nnd::campaign::blob
