#pragma once
// The whole compile of a model for one environment: plan, build and schedule every stage, lower
// it to loop IR, compile each stage's object (or take it from the cache by the hash of its loop
// IR and target), one runtime object per target, and link them into the shared library the
// halide backend loads. Optionally writes what each stage became (--emit).
#include <string>

#include "backends/halide/halide_options.h"
#include "backends/halide/manifest.h"
#include "compiler/cache.h"
#include "core/graph.h"

namespace nnd::compiler {

struct CompileSettings {
  std::string emit_dir;    // empty: emit nothing
  std::string bundle_dir;  // empty: no bundle
};

backends::halide::Manifest compile_model(const Model& model,
                                         const backends::halide::CompileOptions& options,
                                         const Cache& cache, const CompileSettings& settings);

}  // namespace nnd::compiler
