// Per-inference overhead of the worker protocol: the parent's round trip for one INFER against
// the latency the worker measured around the framework's run alone, on full-size MobileNetV2-224
// (zoo/export_imagenet.py writes it into cache/imagenet; NNDELTA_BENCH_MODELS overrides).
// Target (issue 4): overhead at most 3% of ONNX Runtime's own latency.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>

#include "backends/env_spec.h"
#include "onnx/model_io.h"
#include "worker/env_session.h"
#include "worker/launch.h"

namespace {

std::string model_dir() {
  const char* dir = std::getenv("NNDELTA_BENCH_MODELS");
  return dir ? dir : "cache/imagenet";
}

// MobileNetV2-224 prepared in the environment, warmed up, with one random image; nullopt (and the
// benchmark skipped with the reason) when the model or the environment is missing here.
struct Prepared {
  std::unique_ptr<nnd::worker::EnvSession> session;
  nnd::TensorMap inputs;
};

std::optional<Prepared> prepare(benchmark::State& state, const std::string& env_text) {
  const std::string path = model_dir() + "/mobilenetv2.onnx";
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("missing " + path + ": run /usr/bin/python3 zoo/export_imagenet.py " +
                         "--model mobilenetv2")
                            .c_str());
    return std::nullopt;
  }
  nnd::backends::EnvSpec env = nnd::backends::EnvSpec::parse(env_text);
  if (std::string why = nnd::worker::unavailable_reason(env); !why.empty()) {
    state.SkipWithError(why.c_str());
    return std::nullopt;
  }
  nnd::Model model = nnd::onnx_io::load_model(path);
  Prepared p{std::make_unique<nnd::worker::EnvSession>(model, env, nnd::worker::SessionOptions{}),
             {}};
  std::mt19937 rng(0);
  std::normal_distribution<float> normal;
  std::vector<float> values(size_t{3} * 224 * 224);
  for (float& v : values) v = normal(rng);
  p.inputs = {{model.graph.inputs.front().name, nnd::Tensor::of<float>({1, 3, 224, 224}, values)}};
  for (int i = 0; i < 3; ++i) p.session->infer(p.inputs);  // first runs allocate and tune
  return p;
}

void protocol_overhead(benchmark::State& state, const std::string& env_text) {
  std::optional<Prepared> p = prepare(state, env_text);
  if (!p) return;
  nnd::worker::EnvSession& session = *p->session;
  const nnd::TensorMap& inputs = p->inputs;
  double framework_ns = 0, round_trip_ns = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    nnd::worker::InferResult result = session.infer(inputs);
    round_trip_ns += static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                             std::chrono::steady_clock::now() - start)
                                             .count());
    framework_ns += static_cast<double>(result.latency_ns);
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["framework_ms"] = framework_ns / n / 1e6;
  state.counters["round_trip_ms"] = round_trip_ns / n / 1e6;
  state.counters["overhead_ms"] = (round_trip_ns - framework_ns) / n / 1e6;
  state.counters["overhead_pct"] = 100.0 * (round_trip_ns - framework_ns) / framework_ns;
}

// What a campaign pays: inputs streamed through EnvSession::infer_each, which sends the next input
// while the worker runs the current one. Overhead = wall time per inference - ORT's latency.
void streamed_overhead(benchmark::State& state, const std::string& env_text) {
  std::optional<Prepared> p = prepare(state, env_text);
  if (!p) return;
  nnd::worker::EnvSession& session = *p->session;
  const nnd::TensorMap& inputs = p->inputs;
  constexpr size_t kStream = 200;
  double framework_ns = 0, wall_ns = 0, count = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    session.infer_each(
        kStream, [&](size_t) { return inputs; },
        [&](size_t, const nnd::worker::InferResult* result, const nnd::worker::WorkerFailure*) {
          if (result) framework_ns += static_cast<double>(result->latency_ns);
          return result != nullptr;
        });
    wall_ns += static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::steady_clock::now() - start)
                                       .count());
    count += kStream;
  }
  state.counters["framework_ms"] = framework_ns / count / 1e6;
  state.counters["per_inference_ms"] = wall_ns / count / 1e6;
  state.counters["overhead_ms"] = (wall_ns - framework_ns) / count / 1e6;
  state.counters["overhead_pct"] = 100.0 * (wall_ns - framework_ns) / framework_ns;
}

BENCHMARK_CAPTURE(streamed_overhead, ort_cpu_O3, "ort@cpu:O3,threads=1")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(5.0);
BENCHMARK_CAPTURE(streamed_overhead, ort_cpu_O0, "ort@cpu:O0,threads=1")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(5.0);

BENCHMARK_CAPTURE(protocol_overhead, ort_cpu_O3, "ort@cpu:O3,threads=1")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(5.0);
BENCHMARK_CAPTURE(protocol_overhead, ort_cpu_O0, "ort@cpu:O0,threads=1")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(5.0);

}  // namespace

BENCHMARK_MAIN();
