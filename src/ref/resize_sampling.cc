#include "ref/resize_sampling.h"

#include <initializer_list>
#include <string>
#include <utility>

#include "core/error.h"

namespace nnd::ref {

namespace {

template <typename E>
E parse(const Node& node, const char* attr, const std::string& value,
        std::initializer_list<std::pair<const char*, E>> choices) {
  for (const auto& [name, e] : choices)
    if (value == name) return e;
  fail("{}: unsupported {} '{}'", node.label(), attr, value);
}

}  // namespace

ResizeMode resize_mode(const Node& node, bool cubic_allowed) {
  const std::string mode = node.attr_string("mode", "nearest");
  if (mode == "cubic" && !cubic_allowed)
    fail("{}: mode 'cubic' needs opset 11 or later", node.label());
  return parse<ResizeMode>(node, "mode", mode,
                           {{"nearest", ResizeMode::kNearest},
                            {"linear", ResizeMode::kLinear},
                            {"cubic", ResizeMode::kCubic}});
}

Sampling resize_sampling(const Node& node, int64_t opset) {
  Sampling s;
  s.mode = resize_mode(node, /*cubic_allowed=*/true);
  const std::string coordinates = node.attr_string("coordinate_transformation_mode", "half_pixel");
  if (coordinates == "tf_half_pixel_for_nn" && opset >= 13)
    fail("{}: tf_half_pixel_for_nn was removed in opset 13", node.label());
  s.coordinates = parse<Coordinates>(node, "coordinate_transformation_mode", coordinates,
                                     {{"half_pixel", Coordinates::kHalfPixel},
                                      {"half_pixel_symmetric", Coordinates::kHalfPixelSymmetric},
                                      {"pytorch_half_pixel", Coordinates::kPytorchHalfPixel},
                                      {"align_corners", Coordinates::kAlignCorners},
                                      {"asymmetric", Coordinates::kAsymmetric},
                                      {"tf_half_pixel_for_nn", Coordinates::kTfHalfPixelForNn},
                                      {"tf_crop_and_resize", Coordinates::kTfCropAndResize}});
  s.rounding =
      parse<Rounding>(node, "nearest_mode", node.attr_string("nearest_mode", "round_prefer_floor"),
                      {{"round_prefer_floor", Rounding::kRoundPreferFloor},
                       {"round_prefer_ceil", Rounding::kRoundPreferCeil},
                       {"floor", Rounding::kFloor},
                       {"ceil", Rounding::kCeil}});
  s.cubic_a = node.attr_float("cubic_coeff_a", -0.75f);
  s.exclude_outside = node.attr_int("exclude_outside", 0) != 0;
  s.extrapolation_value = node.attr_float("extrapolation_value", 0.0f);
  return s;
}

}  // namespace nnd::ref
