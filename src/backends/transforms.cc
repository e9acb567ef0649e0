#include "backends/transforms.h"

#include <charconv>
#include <cstdlib>

#include "backends/transform_steps.h"
#include "core/error.h"
#include "onnx/opset.h"

namespace nnd::backends {

namespace {

// The number after `prefix` in `text` ("opset10" -> 10), or nullopt when text is not prefix
// followed by digits only.
std::optional<int64_t> number_after(const std::string& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return std::nullopt;
  int64_t value = 0;
  const char* begin = text.data() + prefix.size();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || begin == end || *begin == '-') return std::nullopt;
  return value;
}

// `qdq8` calibrates on 100 images, `qdq8-N` on N, from $NNDELTA_CALIBRATION (a dataset spec,
// default fashion-mnist:train: the test split stays unseen).
std::optional<CalibrationOptions> qdq8_options(const std::string& transform) {
  CalibrationOptions options;
  if (const char* dataset = std::getenv("NNDELTA_CALIBRATION")) options.dataset = dataset;
  if (transform == "qdq8") return options;
  std::optional<int64_t> n = number_after(transform, "qdq8-");
  if (!n) return std::nullopt;
  options.images = static_cast<size_t>(*n);
  return options;
}

bool known(const std::string& t) {
  return number_after(t, "opset") || t == "fp16w" || t == "int8w" || qdq8_options(t);
}

}  // namespace

void check_transforms(const EnvSpec& env) {
  for (const std::string& t : env.transforms)
    if (!known(t))
      fail("environment '{}': unknown transform '{}' (known: opsetN, fp16w, int8w, qdq8, qdq8-N)",
           env.canonical(), t);
}

Model apply_transforms(const Model& model, const EnvSpec& env) {
  check_transforms(env);
  Model out = model;
  for (const std::string& t : env.transforms) {
    if (auto version = number_after(t, "opset"))
      out = onnx_io::convert_opset(out, *version);
    else if (t == "fp16w")
      out = round_weights_fp16(out);
    else if (t == "int8w")
      out = quantize_weights_int8(out);
    else
      out = quantize_static_qdq8(out, *qdq8_options(t));
  }
  return out;
}

}  // namespace nnd::backends
