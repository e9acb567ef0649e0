#pragma once
// Shorthands shared by the ref op-family tests: attributes and small tensors written inline.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"

namespace nnd::ref::test_util {

using Attrs = std::map<std::string, Attribute>;
using Ints = std::vector<int64_t>;

inline Attribute ints(Ints v) { return Attribute{std::move(v)}; }
inline Attribute num(int64_t v) { return Attribute{v}; }
inline Attribute real(float v) { return Attribute{v}; }
inline Attribute text(std::string v) { return Attribute{std::move(v)}; }

inline Tensor f32(Shape shape, std::vector<float> values) {
  return Tensor::of<float>(std::move(shape), values);
}

}  // namespace nnd::ref::test_util
