#include "campaign/demo.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "worker/launch.h"

namespace fs = std::filesystem;

namespace nnd::campaign {

namespace {

// The demo's mutation section: resnet's graph, loop and input mutants at their first site, on the
// cpu environments at O2 of ort and opencv (ref, the slowest by far, only where fewer than two of
// them run here), and halide's cpu and opencl at O2, where the loop mutants run: environments to
// compare for the cross-environment discrepancies, in a few minutes.
void add_demo_mutations(CampaignConfig& config, const std::string& zoo_dir) {
  const std::string model = (fs::path(zoo_dir) / "resnet.onnx").string();
  if (std::find(config.models.begin(), config.models.end(), model) == config.models.end()) return;
  MutationSelection& m = config.mutations;
  m.where = "(built-in demo)";
  for (const char* category : {"node-io-modifications", "arithmetic-node-replacement",
                               "layer-node-replacement", "hardware-faults", "input-pipeline"})
    m.categories.push_back({category, m.where});
  // One or two loop operators of each loop category (swap-min-max comes with arithmetic node
  // replacement): the OpenCL runs are the demo's slowest, and CI runs the demo.
  for (const char* op : {"store-cast-i8", "store-times-1+2^-23", "lt-to-le", "gt-to-ge",
                         "loop-extent-plus-1", "drop-padding-check"})
    m.operators.push_back({op, ""});
  m.positions.push_back({"1", m.where});
  m.models.push_back(model);
  auto has = [&](const std::string& env) {
    return std::any_of(config.environments.begin(), config.environments.end(),
                       [&](const backends::EnvSpec& e) { return e.canonical() == env; });
  };
  for (const char* env : {"ort@cpu:O2", "opencv@cpu:O2"})
    if (has(env)) m.environments.push_back(env);
  if (m.environments.size() < 2 && has("ref@cpu:O2")) m.environments.push_back("ref@cpu:O2");
  for (const char* env : {"halide@cpu:O2", "halide@opencl:O2"})
    if (has(env)) m.environments.push_back(env);
}

}  // namespace

CampaignConfig demo_campaign(const std::string& zoo_dir, size_t images, const std::string& store) {
  CampaignConfig config;
  config.path = "(built-in demo)";
  config.store = store;
  if (!fs::is_directory(zoo_dir)) fail("{}: the zoo folder does not exist", zoo_dir);
  for (const auto& entry : fs::directory_iterator(zoo_dir))
    if (entry.path().extension() == ".onnx") config.models.push_back(entry.path().string());
  std::sort(config.models.begin(), config.models.end());
  if (config.models.empty()) fail("{}: no .onnx models in the zoo", zoo_dir);
  config.dataset = fmt::format("fashion-mnist:test,limit={}", images);
  for (const worker::FrameworkInfo& fw : worker::frameworks())
    for (const std::string& device : fw.devices)
      for (int opt : {2, 0, 3}) {
        if (opt != 2 && (device != "cpu" || fw.framework == "ref")) continue;
        // halide compiles every model per environment: the demo shows its cheapest and most
        // optimized levels on cpu, and opencl; the ISA caps are in tests and docs/devices.md.
        if (fw.framework == "halide" && device != "cpu" && device != "opencl") continue;
        backends::EnvSpec env;
        env.framework = fw.framework;
        env.device = device;
        env.opt = opt;
        if (std::string why = worker::unavailable_reason(env); why.empty())
          config.environments.push_back(env);
        else
          config.skipped.push_back({env.canonical(), why});
      }
  // Conversions as deployment uses them (DeltaNN's largest differences came from these): the
  // quantized model under the oracle, and ONNX Runtime on it without and with its int8 kernels
  // (O0 runs QuantizeLinear/DequantizeLinear as written, O3 fuses them into QLinearConv), beside
  // weights rounded to float16 and to int8. The pytorch source model is in the list above.
  for (const char* spelling : {"ref+qdq8@cpu:O2", "ort+qdq8@cpu:O0", "ort+qdq8@cpu:O3",
                               "ort+int8w@cpu:O2", "ort+fp16w@cpu:O2"}) {
    const backends::EnvSpec env = backends::EnvSpec::parse(spelling);
    if (std::string why = worker::unavailable_reason(env); why.empty())
      config.environments.push_back(env);
    else
      config.skipped.push_back({env.canonical(), why});
  }
  config.keep_logits = true;
  add_demo_mutations(config, zoo_dir);
  return config;
}

}  // namespace nnd::campaign
