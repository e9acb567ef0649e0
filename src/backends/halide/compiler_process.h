#pragma once
// Runs nndelta-halide, the separate compiler executable, for one model and environment, and
// reads back the manifest it wrote. A failed compile is a UserError with the compiler's own
// one-line message; a compiler that crashes is one too, naming the signal, and never takes the
// calling process with it.
#include <string>

#include "backends/halide/cache_dir.h"
#include "backends/halide/manifest.h"

namespace nnd::backends::halide {

struct CompileCall {
  std::string model_bytes;  // the serialized ONNX model, transforms already applied
  std::string label;        // the model's path or name, for messages
  std::string env;          // canonical environment
  std::string emit_dir;     // optional
  std::string bundle_dir;   // optional
  int bundle_inputs = 0;    // dataset inputs the bundle carries
};

Manifest run_compiler(const CompileCall& call);

}  // namespace nnd::backends::halide
