// Speed of build_report (issue 6: a report builds in a few seconds on the demo store).
//   synthetic: 7 models x 19 environments x 1,000 inputs x 3 repetitions with 10 logits each
//              (399k predictions), the size of a full demo campaign; the store is made once, in
//              NNDELTA_BENCH_DIR (default: the system temporary folder), and kept for later runs.
//   store:     the store named by NNDELTA_REPORT_STORE (e.g. one `nndelta demo` wrote); skipped
//              without it.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "analysis/report_data.h"
#include "campaign/store.h"

namespace {

using nnd::campaign::PredictionRecord;
using nnd::campaign::RunStatus;
using nnd::campaign::Store;

constexpr int kModels = 7, kEnvironments = 19, kInputs = 1000, kRepetitions = 3, kLogits = 10;

std::vector<std::string> environments() {
  std::vector<std::string> envs{"ref@cpu:O2"};
  for (const char* fw : {"ort", "opencv", "torch", "nnc"})
    for (const char* where : {"cpu:O0", "cpu:O2", "cpu:O3", "cpu-avx2:O2", "cpu-sse41:O2"})
      envs.push_back(std::string(fw) + "@" + where);
  envs.resize(kEnvironments);
  return envs;
}

// A deterministic store where environment e answers input i differently when (i + e) % 17 == 0,
// and later environments run a little slower.
std::string synthetic_store() {
  const char* dir = std::getenv("NNDELTA_BENCH_DIR");
  std::filesystem::path folder = dir ? dir : std::filesystem::temp_directory_path();
  const std::string path = (folder / "nndelta-report-bench.db").string();
  const int64_t expected = int64_t{kModels} * kEnvironments * kInputs * kRepetitions;
  if (std::filesystem::exists(path) && Store::open_read_only(path)->prediction_count() == expected)
    return path;  // made by an earlier run
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto store = Store::open(path);
  std::vector<int64_t> inputs;
  for (int i = 0; i < kInputs; ++i)
    inputs.push_back(store->input_id("fashion-mnist/t10k/" + std::to_string(i), i % 10, "t10k"));
  uint64_t noise = 1;
  const std::vector<std::string> envs = environments();
  for (int m = 0; m < kModels; ++m) {
    const std::string name = "model" + std::to_string(m);
    const int64_t model = store->model_id({name, "zoo/" + name + ".onnx", "sha-" + name});
    for (int e = 0; e < kEnvironments; ++e) {
      const int64_t run = store->run_id(model, store->environment_id(envs[e]), 0);
      std::vector<PredictionRecord> batch;
      for (int rep = 0; rep < kRepetitions; ++rep)
        for (int i = 0; i < kInputs; ++i) {
          PredictionRecord& p = batch.emplace_back();
          p.run_id = run;
          p.input_id = inputs[static_cast<size_t>(i)];
          p.repetition = rep;
          const int first = (i + ((i + e) % 17 == 0)) % 10;
          for (int k = 0; k < 5; ++k) p.top_ids.push_back((first + k) % 10);
          p.top_scores = {0.9f, 0.05f, 0.02f, 0.01f, 0.005f};
          p.logits = std::vector<float>(kLogits);
          for (int k = 0; k < kLogits; ++k)
            (*p.logits)[static_cast<size_t>(k)] = 0.1f * (i + k + e);
          noise = noise * 6364136223846793005u + 1442695040888963407u;
          p.latency_ns = 250'000 + 1'000 * e + static_cast<int64_t>(noise >> 52);
        }
      store->insert_predictions(batch);
      store->set_run_status(run, RunStatus::kDone, "", "bench");
    }
  }
  return path;
}

// range(0): bootstrap resamples (the default is 2000; the bootstraps are most of the time).
void report(benchmark::State& state, const std::string& path) {
  auto store = Store::open_read_only(path);
  nnd::analysis::ReportOptions options;
  options.bootstrap_resamples = static_cast<int>(state.range(0));
  size_t models = 0;
  for (auto _ : state) {
    nnd::analysis::ReportData data = nnd::analysis::build_report(*store, options);
    models = data.models.size();
    benchmark::DoNotOptimize(data);
  }
  state.counters["models"] = static_cast<double>(models);
  state.counters["predictions"] = static_cast<double>(store->prediction_count());
}

void BM_ReportSynthetic(benchmark::State& state) {
  static const std::string path = synthetic_store();
  report(state, path);
}
BENCHMARK(BM_ReportSynthetic)->Arg(2000)->Arg(200)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_ReportStore(benchmark::State& state) {
  const char* path = std::getenv("NNDELTA_REPORT_STORE");
  if (!path) {
    state.SkipWithError("set NNDELTA_REPORT_STORE to a store file");
    return;
  }
  report(state, path);
}
BENCHMARK(BM_ReportStore)->Arg(2000)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
