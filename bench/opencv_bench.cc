// Per-image latency (wall, and CPU of the whole process) of the zoo models on the opencv
// framework, one thread: cpu at O2 (layer
// fusion) and O0 (no fusion), and opencl (PoCL here). Models OpenCV refuses are reported as
// errors with OpenCV's message. Capped ISAs (cpu-avx2, cpu-sse41) need OPENCV_CPU_DISABLE in
// the environment before start: run this binary with the value `nndelta` gives the worker, and
// the cpu rows then measure the capped build.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "backends/backend.h"
#include "onnx/model_io.h"

namespace {

void run_zoo_model(benchmark::State& state, const std::string& model_name,
                   const std::string& env_text) {
  const char* zoo = std::getenv("NNDELTA_ZOO");  // run from the repository root, or set it
  std::string path = std::string(zoo ? zoo : "zoo") + "/" + model_name + ".onnx";
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    state.SkipWithError(("missing " + path).c_str());
    return;
  }
  std::stringstream bytes;
  bytes << file.rdbuf();
  nnd::backends::PrepareRequest request;
  request.env = nnd::backends::EnvSpec::parse(env_text);
  request.label = path;
  request.onnx = bytes.str();
  nnd::Model model = nnd::onnx_io::model_from_bytes(request.onnx, path);
  request.model = &model;
  const nnd::backends::Backend& backend = *nnd::backends::find_backend("opencv");
  if (std::string why = backend.unavailable_reason(request.env); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  std::unique_ptr<nnd::backends::Session> session;
  try {
    session = backend.prepare(request);  // includes a first run: kernels are built here
  } catch (const nnd::UserError& e) {
    state.SkipWithError(e.what());
    return;
  }
  std::mt19937 rng(0);
  std::normal_distribution<float> normal;
  std::vector<float> values(28 * 28);
  for (float& v : values) v = normal(rng);
  nnd::TensorMap inputs{{"input", nnd::Tensor::of<float>({1, 1, 28, 28}, values)}};
  for (auto _ : state) benchmark::DoNotOptimize(session->run(inputs));
  state.SetLabel(session->description().substr(0, 60));
}

}  // namespace

int main(int argc, char** argv) {
  for (const char* model :
       {"alexnet", "densenet", "efficientnet", "inception", "mobilenetv2", "resnet", "shufflenet"})
    for (const char* env : {"opencv@cpu:O2", "opencv@cpu:O0", "opencv@opencl:O2"})
      benchmark::RegisterBenchmark((std::string(model) + "/" + env).c_str(), run_zoo_model,
                                   std::string(model), std::string(env))
          ->Unit(benchmark::kMillisecond)
          ->MeasureProcessCPUTime()  // OpenCV's work runs on TBB threads, not the caller's
          ->UseRealTime()
          ->MinTime(0.5)
          ->Repetitions(5)
          ->ReportAggregatesOnly(true);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
