// Speed of the ref interpreter on full-size ImageNet models (the oracle, single-threaded).
// The models come from zoo/export_imagenet.py (default folder cache/imagenet; override with
// NNDELTA_BENCH_MODELS). Target (issue 2): MobileNetV2-224 under 2 s per image on one core.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "onnx/model_io.h"
#include "ref/interpreter.h"

namespace {

std::string model_dir() {
  const char* dir = std::getenv("NNDELTA_BENCH_MODELS");
  return dir ? dir : "cache/imagenet";
}

void run_model(benchmark::State& state, const std::string& name) {
  std::string path = model_dir() + "/" + name + ".onnx";
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(
        ("missing " + path + ": run /usr/bin/python3 zoo/export_imagenet.py").c_str());
    return;
  }
  nnd::Model model = nnd::onnx_io::load_model(path);
  nnd::ref::Interpreter interpreter(model);
  const nnd::ValueInfo& in = model.graph.inputs.front();
  nnd::Shape shape;
  for (const nnd::Dim& d : *in.dims) shape.push_back(d.known() ? d.value : 1);
  std::mt19937 rng(0);
  std::normal_distribution<float> normal;
  std::vector<float> values(static_cast<size_t>(nnd::element_count(shape)));
  for (float& v : values) v = normal(rng);
  nnd::ref::TensorMap inputs{{in.name, nnd::Tensor::of<float>(shape, values)}};
  for (auto _ : state) benchmark::DoNotOptimize(interpreter.run(inputs));
}

}  // namespace

BENCHMARK_CAPTURE(run_model, mobilenetv2, std::string("mobilenetv2"))
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(run_model, resnet50, std::string("resnet50"))
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

BENCHMARK_MAIN();
