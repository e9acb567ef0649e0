// PyTorch's own source model as a framework: the TorchScript file that the model card names
// (`torchscript = "resnet.torchscript"`), run by LibTorch's TorchScript interpreter. Unlike
// `torch`, nothing of the ONNX graph runs here: this is the model as trained, the other side of
// DeltaNN's source-versus-conversion comparisons. The ONNX model only says which input and
// output names the worker protocol uses.
//
// Environments:
//   devices  cpu; cpu-sse41 / cpu-avx2 / cpu-avx512 (the same ISA caps as torch, cpu_isa.h);
//            cuda where LibTorch has it.
//   levels   O0 the module as loaded, profiling executor and graph optimizations off;
//            O1 as loaded, LibTorch's default (profiling) executor;
//            O2 torch::jit::freeze (constants inlined, conv+BN folded, ...);
//            O3 torch::jit::optimize_for_inference (freeze plus oneDNN layouts and fusions).
//   options  threads=N (ATen intra-op threads; default: the worker's thread count).
//   Transforms (`+opset12`, `+fp16w`, ...) act on ONNX models, so none applies here.
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/cuda.h>
#include <torch/script.h>
#include <torch/version.h>

#include <filesystem>
#include <optional>

#include "backends/backend.h"
#include "backends/cpu_isa.h"
#include "backends/torch/converter.h"
#include "core/error.h"
#include "data/card.h"

namespace nnd::backends {

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The executor switches are process-wide; each session sets its own before it runs.
struct Settings {
  bool profiling = true;
  int threads = 1;
  void apply() const {
    torch::jit::getProfilingMode() = profiling;
    torch::jit::setGraphExecutorOptimize(profiling);
    if (at::get_num_threads() != threads) at::set_num_threads(threads);
  }
};

const char* level_name(int opt) {
  switch (opt) {
    case 0:
      return "as loaded, profiling executor off";
    case 1:
      return "as loaded";
    case 2:
      return "frozen (torch::jit::freeze)";
    default:
      return "optimize_for_inference";
  }
}

class PytorchSession : public Session {
 public:
  PytorchSession(torch::jit::Module module, std::string input, std::string output,
                 at::Device device, Settings settings, std::string description)
      : module_(std::move(module)),
        input_(std::move(input)),
        output_(std::move(output)),
        device_(device),
        settings_(settings),
        description_(std::move(description)) {}

  TensorMap run(const TensorMap& inputs) override {
    settings_.apply();
    auto given = inputs.find(input_);
    if (given == inputs.end()) fail("pytorch: the request lacks input '{}'", input_);
    c10::InferenceMode inference;
    at::Tensor x = torch_impl::to_aten(given->second).to(device_);
    c10::IValue result = module_.forward({x});
    // A model returning a tuple or list gives its first element as the class scores.
    if (result.isTuple()) result = result.toTupleRef().elements().at(0);
    if (result.isList()) result = result.toListRef().at(0);
    if (!result.isTensor()) fail("pytorch: forward() returned {}, not a tensor", result.tagKind());
    TensorMap out;
    out[output_] = torch_impl::from_aten(result.toTensor(), "pytorch: output '" + output_ + "'");
    return out;
  }

  std::string description() const override { return description_; }

 private:
  torch::jit::Module module_;
  std::string input_;
  std::string output_;
  at::Device device_;
  Settings settings_;
  std::string description_;
};

// The TorchScript file for the model at `label`, from the card beside it. A model without one
// is refused with the reason.
std::string torchscript_for(const std::string& env_name, const std::string& label,
                            data::ModelCard* card) {
  const std::string card_path = data::card_path_for(label);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(card_path, ec))
    fail("{}: {} has no model card ({}) to name its TorchScript source model", env_name, label,
         card_path);
  *card = data::load_card(card_path);
  if (card->torchscript.empty())
    fail("{}: {} names no TorchScript source model (key 'torchscript'), so pytorch cannot run {}",
         env_name, card_path, label);
  const std::string path = card->torchscript_path();
  if (!std::filesystem::is_regular_file(path, ec))
    fail("{}: {}: no such TorchScript file (named by {})", env_name, path, card_path);
  return path;
}

class PytorchBackend : public Backend {
 public:
  std::string framework() const override { return "pytorch"; }
  std::string version() const override {
    return fmt::format("LibTorch {} TorchScript interpreter", TORCH_VERSION);
  }
  std::vector<std::string> devices() const override {
    return {"cpu", "cpu-sse41", "cpu-avx2", "cpu-avx512", "cuda"};
  }

  std::string unavailable_reason(const EnvSpec& env) const override {
    if (!env.transforms.empty())
      return fmt::format(
          "pytorch runs the TorchScript source model; the ONNX transform '+{}' does not apply",
          env.transforms.front());
    if (env.device == "cpu") return {};
    if (env.device == "cuda") {
      if (torch::cuda::is_available()) return {};
      return fmt::format("LibTorch {} here {}", TORCH_VERSION,
                         at::hasCUDA() ? "finds no CUDA device" : "is built without CUDA");
    }
    return isa_unavailable_reason("pytorch", env.device);
  }

  std::unique_ptr<Session> prepare(const PrepareRequest& request) const override {
    const EnvSpec& env = request.env;
    const std::string name = env.canonical();
    if (std::string why = unavailable_reason(env); !why.empty()) fail("{}: {}", name, why);
    if (env.opt < 0 || env.opt > 3) fail("{}: pytorch has levels O0..O3, not O{}", name, env.opt);
    for (const auto& [key, value] : env.options)
      if (key != "threads") fail("{}: unknown option '{}' for pytorch (known: threads)", name, key);
    Settings settings;
    settings.profiling = env.opt >= 1;
    settings.threads = env.int_option("threads", request.threads);
    if (settings.threads < 1) fail("{}: threads must be at least 1", name);

    data::ModelCard card;
    const std::string path = torchscript_for(name, request.label, &card);
    apply_isa_cap(name, env.device);
    settings.apply();
    const at::Device device = env.device == "cuda" ? at::Device(at::kCUDA) : at::Device(at::kCPU);
    torch::jit::Module module;
    try {
      module = torch::jit::load(path, device);
    } catch (const c10::Error& e) {
      fail("{}: {}: not a TorchScript file LibTorch can load ({})", name, path,
           first_line(e.what_without_backtrace()));
    }
    try {
      module.eval();
      if (env.opt == 2) module = torch::jit::freeze(module);
      if (env.opt == 3) module = torch::jit::optimize_for_inference(module);
    } catch (const c10::Error& e) {
      fail("{}: {}: LibTorch cannot optimize the module: {}", name, path,
           first_line(e.what_without_backtrace()));
    }
    const std::string description =
        fmt::format("{} ({}), {} thread(s)", path, level_name(env.opt), settings.threads);
    return std::make_unique<PytorchSession>(std::move(module), card.input, card.output, device,
                                            settings, description);
  }
};

}  // namespace

const Backend& pytorch_backend() {
  static const PytorchBackend backend;
  return backend;
}

}  // namespace nnd::backends
