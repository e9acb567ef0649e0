// libFuzzer target for the ONNX importer: any bytes must give a Model or a UserError. An
// InternalError or any other exception escapes and is reported by libFuzzer as a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "onnx/model_io.h"
#include "ref/interpreter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    nnd::Model model = nnd::onnx_io::model_from_bytes(bytes, "fuzz.onnx");
    // What was imported must export and import again to the same model.
    nnd::Model again =
        nnd::onnx_io::model_from_bytes(nnd::onnx_io::model_to_bytes(model), "fuzz.onnx");
    if (!(again == model)) __builtin_trap();
    nnd::ref::unsupported_ops(model);
  } catch (const nnd::UserError&) {
  }
  return 0;
}
