#pragma once
// A small store for the report's end-to-end tests, filled through the Store API: model "net" on
// six Fashion-MNIST test items (labels as the dataset has them, 9 2 1 1 6 1), in three
// environments, two repetitions each, with logits:
//   ref@cpu:O2     answers every label correctly          ~4 ms
//   torch@cpu:O0   the same answers                         ~2 ms
//   torch@cpu:O2   wrong on items 1 and 4 (answers 3)       ~3 ms
//   opencv@cpu:O2  crashed with a message needing quoting
#include <filesystem>
#include <string>
#include <vector>

#include "campaign/store.h"
#include "test_models.h"

namespace nnd::test {

inline const std::vector<int64_t> kItemLabels{9, 2, 1, 1, 6, 1};

inline std::string fresh_store_path(const std::string& name) {
  const std::string path = testing::temp_path(name);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

inline void fill_report_store(campaign::Store& store) {
  const int64_t model = store.model_id({"net", "zoo/net.onnx", "feed"});
  std::vector<int64_t> inputs;
  for (size_t i = 0; i < kItemLabels.size(); ++i)
    inputs.push_back(store.input_id("fashion-mnist:test#" + std::to_string(i), kItemLabels[i],
                                    "t10k-images-idx3-ubyte.gz"));
  const std::vector<std::string> envs{"ref@cpu:O2", "torch@cpu:O0", "torch@cpu:O2"};
  const double base_ms[] = {4, 2, 3};
  std::vector<campaign::PredictionRecord> predictions;
  for (size_t e = 0; e < envs.size(); ++e) {
    const int64_t run = store.run_id(model, store.environment_id(envs[e]), 0);
    store.mark_started(run);
    for (int repetition : {0, 1})
      for (size_t i = 0; i < inputs.size(); ++i) {
        campaign::PredictionRecord p;
        p.run_id = run;
        p.input_id = inputs[i];
        p.repetition = repetition;
        int32_t top1 = static_cast<int32_t>(kItemLabels[i]);
        if (e == 2 && (i == 1 || i == 4)) top1 = 3;
        p.top_ids = {top1, (top1 + 1) % 10, (top1 + 2) % 10};
        p.top_scores = {5, 2, 1};
        std::vector<float> logits(10, 0.0f);
        logits[top1] = 5 + 0.001f * e;
        logits[(top1 + 1) % 10] = 2;
        logits[(top1 + 2) % 10] = 1;
        p.logits = logits;
        p.latency_ns = static_cast<int64_t>((base_ms[e] + 0.1 * i + 0.05 * repetition) * 1e6);
        predictions.push_back(p);
      }
    store.set_run_status(run, campaign::RunStatus::kDone, "", "test session");
  }
  store.insert_predictions(predictions);
  const int64_t crashed = store.run_id(model, store.environment_id("opencv@cpu:O2"), 0);
  store.set_run_status(crashed, campaign::RunStatus::kCrashed,
                       "worker died: signal 11, \"SIGSEGV\"", "");
}

}  // namespace nnd::test
