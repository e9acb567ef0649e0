#pragma once
// How Resize and Upsample sample, read from a node's attributes: shared by ref's interpreter
// (src/ref/resize.cc) and the halide compiler's lowering (src/compiler/lower/resize.cc), so the
// two read the attributes one way. Each checks `antialias` itself, with its own framework's name.
#include <cstdint>

#include "core/graph.h"

namespace nnd::ref {

enum class ResizeMode { kNearest, kLinear, kCubic };

enum class Coordinates {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
  kTfCropAndResize,
};

// kLegacy is nearest before opset 11 (Resize-10, Upsample), which ORT defines: floor when
// upsampling, ceil when downsampling.
enum class Rounding { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kLegacy };

struct Sampling {
  ResizeMode mode = ResizeMode::kNearest;
  Coordinates coordinates = Coordinates::kAsymmetric;
  Rounding rounding = Rounding::kLegacy;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  double extrapolation_value = 0;
};

// The `mode` attribute; cubic only from opset 11 (a UserError naming the node otherwise).
ResizeMode resize_mode(const Node& node, bool cubic_allowed);
// Every sampling attribute of Resize-11 and later; an unknown value is a UserError naming it.
Sampling resize_sampling(const Node& node, int64_t opset);

}  // namespace nnd::ref
