// LibTorch as a backend: the model is converted node by node into ATen calls (converter.h).
//
// Environments:
//   devices  cpu (native ISA); cpu-sse41 / cpu-avx2 / cpu-avx512: ISA-capped through oneDNN's
//            ONEDNN_MAX_CPU_ISA and ATen's ATEN_CPU_CAPABILITY (both read once per process, so
//            the cap is set before the first ATen call and cannot change afterwards); cuda.
//            Uncapped, LibTorch 1.13 runs ATen's AVX2 kernels even on AVX-512 CPUs, so cpu and
//            cpu-avx512 differ in bits there (measured on the zoo: 6 of 7 models).
//   levels   O0 oneDNN (mkldnn) off; O1 = O2 oneDNN on; O3 also channels-last 4-D tensors.
//   options  threads=N (ATen intra-op threads; default: the worker's thread count).
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <optional>

#include "backends/backend.h"
#include "backends/cpu_isa.h"
#include "backends/torch/converter.h"
#include "core/error.h"

namespace nnd::backends {

namespace {

// ATen's switches are process-wide; each session sets its own before it runs.
struct Settings {
  bool mkldnn = true;
  int threads = 1;
  void apply() const {
    if (at::globalContext().userEnabledMkldnn() != mkldnn)
      at::globalContext().setUserEnabledMkldnn(mkldnn);
    if (at::get_num_threads() != threads) at::set_num_threads(threads);
  }
};

class TorchSession : public Session {
 public:
  // Settings apply before converting: constants are laid out under the session's settings.
  TorchSession(const Model& model, bool channels_last, at::Device device, Settings settings)
      : settings_(settings) {
    settings_.apply();
    program_.emplace(model, channels_last, device);
  }

  TensorMap run(const TensorMap& inputs) override {
    settings_.apply();
    c10::InferenceMode inference;
    return program_->run(inputs);
  }

 private:
  Settings settings_;
  std::optional<torch_impl::Program> program_;
};

class TorchBackend : public Backend {
 public:
  std::string framework() const override { return "torch"; }
  std::string version() const override {
    return fmt::format("LibTorch {} (oneDNN {})", TORCH_VERSION,
                       at::hasMKLDNN() ? "built in" : "absent");
  }
  std::vector<std::string> devices() const override {
    return {"cpu", "cpu-sse41", "cpu-avx2", "cpu-avx512", "cuda"};
  }

  std::string unavailable_reason(const EnvSpec& env) const override {
    if (env.device == "cpu") return {};
    if (env.device == "cuda") {
      if (torch::cuda::is_available()) return {};
      return fmt::format("LibTorch {} here {}", TORCH_VERSION,
                         at::hasCUDA() ? "finds no CUDA device" : "is built without CUDA");
    }
    return isa_unavailable_reason("torch", env.device);
  }

  std::unique_ptr<Session> prepare(const PrepareRequest& request) const override {
    const EnvSpec& env = request.env;
    const std::string name = env.canonical();
    if (std::string why = unavailable_reason(env); !why.empty()) fail("{}: {}", name, why);
    if (env.opt < 0 || env.opt > 3) fail("{}: torch has levels O0..O3, not O{}", name, env.opt);
    for (const auto& [key, value] : env.options)
      if (key != "threads") fail("{}: unknown option '{}' for torch (known: threads)", name, key);
    Settings settings;
    settings.mkldnn = env.opt >= 1;
    settings.threads = env.int_option("threads", request.threads);
    if (settings.threads < 1) fail("{}: threads must be at least 1", name);
    NND_CHECK(request.model != nullptr, "torch needs the parsed model");
    apply_isa_cap(name, env.device);
    const at::Device device = env.device == "cuda" ? at::Device(at::kCUDA) : at::Device(at::kCPU);
    try {
      return std::make_unique<TorchSession>(*request.model, env.opt >= 3, device, settings);
    } catch (const c10::Error& e) {
      std::string what = e.what_without_backtrace();
      fail("{}: {}: torch: {}", name, request.label, what.substr(0, what.find('\n')));
    }
  }
};

}  // namespace

const Backend& torch_backend() {
  static const TorchBackend backend;
  return backend;
}

}  // namespace nnd::backends
