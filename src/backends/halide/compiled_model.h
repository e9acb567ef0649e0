#pragma once
// A model compiled by nndelta-halide, loaded for running: the shared library (dlopen'd, checked
// against its SHA-256 first), the constants, one halide_buffer_t per value, and the stages'
// functions called in order. The library carries its own Halide runtime; this code calls it only
// through dlsym, so nndelta never links libHalide.
#include <HalideRuntime.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/halide/manifest.h"
#include "core/tensor.h"

namespace nnd::backends::halide {

class CompiledModel {
 public:
  // A library or constants file that is missing or does not match its checksum, or that lacks a
  // stage's function, is a UserError naming it.
  CompiledModel(Manifest manifest, bool gpu, int threads);
  ~CompiledModel();
  CompiledModel(const CompiledModel&) = delete;
  CompiledModel& operator=(const CompiledModel&) = delete;

  // Runs every stage; returns the graph outputs. A stage that fails (a Halide runtime error, e.g.
  // no OpenCL device) is a UserError with Halide's message.
  TensorMap run(const TensorMap& inputs);
  const Manifest& manifest() const { return manifest_; }

 private:
  // Halide assumes buffers are aligned like its own allocations (it emits aligned vector loads
  // and stores), so every host buffer starts on a 128-byte boundary.
  struct AlignedFree {
    void operator()(float* p) const { std::free(p); }
  };
  using AlignedFloats = std::unique_ptr<float[], AlignedFree>;
  static AlignedFloats allocate(size_t count);

  struct Slot {
    AlignedFloats storage;  // null for views and constants
    std::vector<halide_dimension_t> dims;
    halide_buffer_t buffer{};
  };
  Slot& slot(const std::string& name);
  void bind(Slot& s, float* data, const Shape& shape);

  Manifest manifest_;
  bool gpu_;
  void* library_ = nullptr;
  AlignedFloats constants_;
  std::map<std::string, std::unique_ptr<Slot>> slots_;
  using StageFn = int (*)(void**);
  std::vector<StageFn> functions_;
  int (*copy_to_host_)(void*, halide_buffer_t*) = nullptr;
  int (*device_free_)(void*, halide_buffer_t*) = nullptr;
};

}  // namespace nnd::backends::halide
