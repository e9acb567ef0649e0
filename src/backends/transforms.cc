#include "backends/transforms.h"

#include <charconv>

#include "core/error.h"
#include "onnx/opset.h"

namespace nnd::backends {

namespace {

// "opset10" → 10; nullopt for anything else.
std::optional<int64_t> opset_target(const std::string& transform) {
  if (!transform.starts_with("opset")) return std::nullopt;
  int64_t version = 0;
  const char* begin = transform.data() + 5;
  const char* end = transform.data() + transform.size();
  auto [ptr, ec] = std::from_chars(begin, end, version);
  if (ec != std::errc() || ptr != end || begin == end) return std::nullopt;
  return version;
}

}  // namespace

void check_transforms(const EnvSpec& env) {
  for (const std::string& t : env.transforms)
    if (!opset_target(t))
      fail("environment '{}': unknown transform '{}' (known: opsetN)", env.canonical(), t);
}

Model apply_transforms(const Model& model, const EnvSpec& env) {
  check_transforms(env);
  Model out = model;
  for (const std::string& t : env.transforms) out = onnx_io::convert_opset(out, *opset_target(t));
  return out;
}

}  // namespace nnd::backends
