#pragma once
// `nndelta compile --bundle DIR`: a self-contained folder to run a compiled model on a machine
// that has none of nndelta's libraries (a GPU machine): the stages and Halide's runtime as one
// static library, the constants, a plan of how to call the stages, the runner's source
// (bundle/run_model.cc), Halide's runtime header, and build.sh (g++ alone).
#include <string>
#include <vector>

#include "backends/halide/manifest.h"

namespace nnd::compiler {

void write_bundle(const std::string& dir, const backends::halide::Manifest& manifest,
                  const std::vector<std::string>& objects, bool gpu);

}  // namespace nnd::compiler
