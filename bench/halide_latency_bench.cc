// Single-thread latency of halide@cpu:O0..O3 beside ort@cpu:O3, torch@cpu:O2 and opencv@cpu:O2
// (issue 12 "Speed"), on the zoo models and the full-size MobileNetV2-224 and ResNet-50 exports
// (zoo/export_imagenet.py writes them into cache/imagenet; NNDELTA_BENCH_MODELS overrides). Each
// environment runs in its worker, as campaigns run it; the time of an iteration is the latency the
// worker measured around the framework's run alone (manual time), so the protocol is not in it.
// Target: halide@cpu:O3 within 2x of ort@cpu:O3 on MobileNetV2-224.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>

#include "backends/env_spec.h"
#include "onnx/model_io.h"
#include "worker/env_session.h"
#include "worker/launch.h"

namespace {

// Workers start slowly on a loaded machine (a LibTorch worker under other builds): wait longer
// than a campaign would for the first reply.
nnd::worker::SessionOptions session_options() {
  nnd::worker::SessionOptions options;
  options.timeouts.hello = std::chrono::milliseconds(120'000);
  return options;
}

std::string model_path(const std::string& name) {
  const char* imagenet = std::getenv("NNDELTA_BENCH_MODELS");
  if (name == "mobilenetv2-224" || name == "resnet50")
    return std::string(imagenet ? imagenet : "cache/imagenet") + "/" +
           (name == "resnet50" ? "resnet50" : "mobilenetv2") + ".onnx";
  const char* zoo = std::getenv("NNDELTA_ZOO");  // run from the repository root, or set it
  return std::string(zoo ? zoo : "zoo") + "/" + name + ".onnx";
}

void latency(benchmark::State& state, const std::string& model_name, const std::string& env_text) {
  const std::string path = model_path(model_name);
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("missing " + path + ": run /usr/bin/python3 zoo/export_imagenet.py " +
                         "--model " + (model_name == "resnet50" ? "resnet50" : "mobilenetv2"))
                            .c_str());
    return;
  }
  nnd::backends::EnvSpec env = nnd::backends::EnvSpec::parse(env_text);
  if (std::string why = nnd::worker::unavailable_reason(env); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  // One session per benchmark, kept across its repetitions (a worker start and a compile each).
  static std::map<std::string, std::unique_ptr<nnd::worker::EnvSession>> sessions;
  static std::map<std::string, nnd::Model> models;
  const std::string key = model_name + "/" + env_text;
  if (!sessions.count(key)) sessions.clear();  // repetitions run back to back: keep one worker
  auto& session = sessions[key];
  if (!models.count(model_name)) models[model_name] = nnd::onnx_io::load_model(path);
  const nnd::Model& model = models[model_name];
  if (!session) try {
      session = std::make_unique<nnd::worker::EnvSession>(model, env, session_options());
    } catch (const std::exception& e) {  // a refusal (OpenCV and Clip's inputs) is a finding
      state.SkipWithError(e.what());
      return;
    }
  const nnd::ValueInfo& input = model.graph.inputs.front();
  nnd::Shape shape = input.static_shape().value_or(nnd::Shape{1, 1, 28, 28});
  size_t count = 1;
  for (int64_t d : shape) count *= static_cast<size_t>(d);
  std::mt19937 rng(0);
  std::normal_distribution<float> normal;
  std::vector<float> values(count);
  for (float& v : values) v = normal(rng);
  nnd::TensorMap inputs{{input.name, nnd::Tensor::of<float>(shape, values)}};
  for (int i = 0; i < 2; ++i) session->infer(inputs);  // first runs allocate and tune
  for (auto _ : state) {
    nnd::worker::InferResult result = session->infer(inputs);
    state.SetIterationTime(static_cast<double>(result.latency_ns) / 1e9);
  }
  state.SetLabel(session->description().substr(0, 50));
}

}  // namespace

int main(int argc, char** argv) {
  for (const char* model : {"alexnet", "densenet", "efficientnet", "inception", "mobilenetv2",
                            "resnet", "shufflenet", "mobilenetv2-224", "resnet50"})
    for (const char* env : {"halide@cpu:O0", "halide@cpu:O1", "halide@cpu:O2", "halide@cpu:O3",
                            "ort@cpu:O3", "torch@cpu:O2", "opencv@cpu:O2"}) {
      const bool slow = std::string(model).find('5') != std::string::npos ||
                        std::string(model).find("224") != std::string::npos;
      benchmark::RegisterBenchmark((std::string(model) + "/" + env).c_str(), latency,
                                   std::string(model), std::string(env) + ",threads=1")
          ->Unit(benchmark::kMillisecond)
          ->UseManualTime()
          ->MinTime(slow ? 2.0 : 0.5)
          ->Repetitions(3)
          ->ReportAggregatesOnly(true);
    }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
