// Speed of the result store: ingesting predictions in batches (one transaction each) as a
// campaign's parent does, and merging shards. Target (issue 5): >= 100k predictions/s ingested.
// The store files go to NNDELTA_BENCH_DIR (default: the system temporary folder); say which
// file system that is when recording a figure.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "campaign/merge.h"
#include "campaign/store.h"

namespace {

using nnd::campaign::PredictionRecord;
using nnd::campaign::Store;

std::string bench_path(const std::string& name) {
  const char* dir = std::getenv("NNDELTA_BENCH_DIR");
  std::filesystem::path folder = dir ? dir : std::filesystem::temp_directory_path();
  std::string path = (folder / ("nndelta-store-bench-" + name)).string();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

void remove_store(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

// One batch of predictions of one run, one per input, with top-5 and `logit_count` logits.
std::vector<PredictionRecord> make_batch(Store& store, int64_t run, int size, int logit_count,
                                         int first_input = 0) {
  std::vector<PredictionRecord> batch(static_cast<size_t>(size));
  for (int i = 0; i < size; ++i) {
    PredictionRecord& p = batch[static_cast<size_t>(i)];
    p.run_id = run;
    p.input_id = store.input_id("fashion-mnist/t10k/" + std::to_string(first_input + i), i % 10,
                                "t10k-images-idx3-ubyte.gz");
    p.top_ids = {i % 10, (i + 1) % 10, (i + 2) % 10, (i + 3) % 10, (i + 4) % 10};
    p.top_scores = {0.9f, 0.05f, 0.02f, 0.01f, 0.005f};
    if (logit_count > 0) {
      std::vector<float> logits(static_cast<size_t>(logit_count));
      for (int k = 0; k < logit_count; ++k) logits[static_cast<size_t>(k)] = 0.1f * (i + k);
      p.logits = logits;
    }
    p.latency_ns = 250'000 + i;
  }
  return batch;
}

// Each iteration inserts one batch of new predictions (the next repetition of every input).
void ingest(benchmark::State& state, int logit_count) {
  int batch_size = static_cast<int>(state.range(0));
  std::string path = bench_path("ingest.db");
  {
    auto store = Store::open(path);
    int64_t model = store->model_id({"mnv2", "zoo/mnv2.onnx", "0123abcd"});
    int64_t run = store->run_id(model, store->environment_id("ort@cpu:O3"), 0);
    std::vector<PredictionRecord> batch = make_batch(*store, run, batch_size, logit_count);
    int repetition = 0;
    for (auto _ : state) {
      for (PredictionRecord& p : batch) p.repetition = repetition;
      ++repetition;
      store->insert_predictions(batch);
    }
    state.SetItemsProcessed(state.iterations() * batch_size);
    state.counters["store_bytes"] = static_cast<double>(std::filesystem::file_size(path));
  }
  remove_store(path);
}

// Merges a shard of `state.range(0)` predictions (10 logits each) into an empty store.
void merge(benchmark::State& state) {
  int64_t count = state.range(0);
  std::string shard_path = bench_path("shard.db");
  {
    auto shard = Store::open(shard_path);
    int64_t model = shard->model_id({"mnv2", "zoo/mnv2.onnx", "0123abcd"});
    constexpr int kInputs = 1000;
    std::vector<PredictionRecord> batch = make_batch(*shard, 0, kInputs, 10);
    for (int64_t done = 0, run_index = 0; done < count; done += kInputs, ++run_index) {
      int64_t run =
          shard->run_id(model, shard->environment_id("env" + std::to_string(run_index)), 0);
      for (PredictionRecord& p : batch) p.run_id = run;
      shard->insert_predictions(batch);
    }
  }
  std::string out_path = bench_path("merged.db");
  for (auto _ : state) {
    state.PauseTiming();
    remove_store(out_path);
    auto out = Store::open(out_path);
    state.ResumeTiming();
    nnd::campaign::merge_into(*out, shard_path);
  }
  state.SetItemsProcessed(state.iterations() * count);
  remove_store(out_path);
  remove_store(shard_path);
}

}  // namespace

// 200 batches of 1000: every measurement ends with a store of 200k predictions.
BENCHMARK_CAPTURE(ingest, top5, 0)
    ->Arg(1000)
    ->Iterations(200)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(ingest, top5_logits10, 10)
    ->Arg(1000)
    ->Iterations(200)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(merge)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

BENCHMARK_MAIN();
