#include "backends/backend.h"

namespace nnd::backends {

// Each in-process backend defines its accessor in its own folder.
const Backend& ref_backend();
const Backend& opencv_backend();
const Backend& torch_backend();
const Backend& pytorch_backend();
const Backend& halide_backend();

const std::vector<const Backend*>& in_process_backends() {
  static const std::vector<const Backend*> list = {&ref_backend(), &opencv_backend(),
                                                   &torch_backend(), &pytorch_backend(),
                                                   &halide_backend()};
  return list;
}

const Backend* find_backend(const std::string& framework) {
  for (const Backend* b : in_process_backends())
    if (b->framework() == framework) return b;
  return nullptr;
}

}  // namespace nnd::backends
