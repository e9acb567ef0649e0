#pragma once
// IEEE 754 binary16 storage with conversions to and from float (round to nearest even).
#include <cstdint>

namespace nnd {

struct Half {
  uint16_t bits = 0;
  Half() = default;
  explicit Half(float f);
  explicit operator float() const;
};

}  // namespace nnd
