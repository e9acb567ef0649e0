#pragma once
// `nndelta compile --emit DIR`: what each stage became. Per stage, the loop IR after lowering
// (text and Halide's HTML view), the C that Halide's C backend writes for it, the assembly, and
// for opencl/cuda the device kernels Halide generated; then a summary of stages, schedules and
// compile times. All of it is Halide's own output.
#include <Halide.h>

#include <string>

#include "backends/halide/halide_options.h"
#include "backends/halide/manifest.h"
#include "compiler/plan.h"

namespace nnd::compiler {

class Emitter {
 public:
  // Does nothing when dir is empty.
  Emitter(std::string dir, const backends::halide::CompileOptions& options);
  void stage(size_t index, const backends::halide::StageEntry& entry, Halide::Pipeline& pipeline,
             const std::vector<Halide::Argument>& args, const Halide::Target& target,
             const std::string& loop_ir);
  void finish(const backends::halide::Manifest& manifest, const Plan& plan);

 private:
  std::string dir_;
  const backends::halide::CompileOptions& options_;
};

}  // namespace nnd::compiler
