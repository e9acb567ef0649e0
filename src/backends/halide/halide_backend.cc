// Models compiled by Halide 14 as a backend. The compile happens in nndelta-halide (a separate
// executable, the only one that links libHalide); this backend runs the shared library it makes.
//
// Environments (see halide_options.h for levels and options):
//   devices  cpu (native ISA), cpu-sse41 / cpu-avx2 / cpu-avx512 (Halide target features, so
//            the generated code differs), opencl (any OpenCL device; PoCL here), cuda (runs only
//            where an NVIDIA driver is; nndelta compile --bundle builds for it anywhere).
#include <dlfcn.h>
#include <fmt/format.h>

#include <algorithm>

#include "backends/backend.h"
#include "backends/cpu_isa.h"
#include "backends/halide/compiled_model.h"
#include "backends/halide/compiler_process.h"
#include "backends/halide/halide_options.h"
#include "core/error.h"
#include "onnx/model_io.h"
#include "worker/launch.h"

namespace nnd::backends {

namespace {

// Whether an OpenCL platform with a device is reachable through the ICD loader.
std::string opencl_reason() {
  void* cl = dlopen("libOpenCL.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!cl) return "no OpenCL ICD loader (libOpenCL.so.1)";
  using GetPlatforms = int (*)(unsigned, void**, unsigned*);
  using GetDevices = int (*)(void*, uint64_t, unsigned, void**, unsigned*);
  auto platforms_fn = reinterpret_cast<GetPlatforms>(dlsym(cl, "clGetPlatformIDs"));
  auto devices_fn = reinterpret_cast<GetDevices>(dlsym(cl, "clGetDeviceIDs"));
  std::string why = "no OpenCL platform has a device";
  unsigned count = 0;
  if (platforms_fn && devices_fn && platforms_fn(0, nullptr, &count) == 0 && count > 0) {
    std::vector<void*> platforms(count);
    platforms_fn(count, platforms.data(), nullptr);
    for (void* p : platforms) {
      unsigned devices = 0;
      if (devices_fn(p, 0xFFFFFFFF /* CL_DEVICE_TYPE_ALL */, 0, nullptr, &devices) == 0 &&
          devices > 0)
        why.clear();
    }
  }
  dlclose(cl);
  return why;
}

class HalideSession : public Session {
 public:
  HalideSession(halide::Manifest manifest, bool gpu, int threads)
      : model_(std::move(manifest), gpu, threads) {}
  TensorMap run(const TensorMap& inputs) override { return model_.run(inputs); }
  std::string description() const override {
    const halide::Manifest& m = model_.manifest();
    return fmt::format("Halide {} target {}, {} stages ({})", HALIDE_VERSION_TEXT, m.target,
                       m.stages.size(), m.options);
  }

 private:
  halide::CompiledModel model_;
};

class HalideBackend : public Backend {
 public:
  std::string framework() const override { return "halide"; }
  std::string version() const override {
    return ::access(worker::halide_compiler_binary().c_str(), X_OK) == 0
               ? fmt::format("Halide {}", HALIDE_VERSION_TEXT)
               : std::string();
  }
  std::vector<std::string> devices() const override { return halide::devices(); }

  std::string unavailable_reason(const EnvSpec& env) const override {
    if (std::find(devices().begin(), devices().end(), env.device) == devices().end())
      return fmt::format("halide has no device '{}'", env.device);
    if (::access(worker::halide_compiler_binary().c_str(), X_OK) != 0)
      return fmt::format("the Halide compiler {} is not built", worker::halide_compiler_binary());
    if (env.device == "opencl") return opencl_reason();
    if (env.device == "cuda") {
      void* cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
      if (!cuda)
        return "no NVIDIA driver (libcuda.so.1) here: halide@cuda compiles here (nndelta compile "
               "--bundle) and runs where a GPU is";
      dlclose(cuda);
      return {};
    }
    return is_isa_capped_device(env.device) ? isa_unavailable_reason("halide", env.device)
                                            : std::string();
  }

  std::unique_ptr<Session> prepare(const PrepareRequest& request) const override {
    const EnvSpec& env = request.env;
    const std::string name = env.canonical();
    const halide::CompileOptions options = halide::compile_options(env);
    if (std::string why = unavailable_reason(env); !why.empty()) fail("{}: {}", name, why);
    halide::Manifest manifest =
        halide::run_compiler({request.onnx, request.label, name, {}, {}, 0});
    return std::make_unique<HalideSession>(std::move(manifest), options.gpu(), options.threads);
  }

  // Halide's CUDA runtime dlopens libcuda.so; a driver-only machine has libcuda.so.1.
  std::map<std::string, std::string> worker_environment(const EnvSpec& env) const override {
    if (env.device == "cuda") return {{"LD_PRELOAD", "libcuda.so.1"}};
    return {};
  }
};

}  // namespace

const Backend& halide_backend() {
  static const HalideBackend backend;
  return backend;
}

}  // namespace nnd::backends
