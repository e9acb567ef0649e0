#pragma once
// A model prepared in one environment, hosted by a worker process: what eval, compare, localize
// and campaigns use to run anything. Transforms are applied here, in the parent, so every
// framework receives the model it must run as ONNX bytes.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/env_spec.h"
#include "core/graph.h"
#include "worker/client.h"

namespace nnd::worker {

struct SessionOptions {
  int threads = 1;
  Timeouts timeouts;
  // Keep intermediate values available to intermediates(): these names, or every value when
  // the list is empty.
  bool keep_intermediates = false;
  std::vector<std::string> intermediate_names;
  // A shell command that starts the worker elsewhere (e.g. "ssh gpu-box nndelta worker"), as the
  // research reached its boards over TVM RPC. Empty: start it here.
  std::string via;
};

class EnvSession {
 public:
  // Starts the worker and prepares the model. An environment this machine cannot run is a
  // UserError saying why; a model the framework refuses is a WorkerFailure (kRefused) with the
  // framework's message; a worker that dies while preparing is a WorkerFailure saying how.
  EnvSession(const Model& model, const backends::EnvSpec& env, const SessionOptions& options);
  // Prepares another model in the same worker (starting a worker costs seconds: LibTorch and
  // OpenCV load), with the same failures as the constructor.
  void load(const Model& model);

  const backends::EnvSpec& env() const { return env_; }
  const std::string& description() const { return description_; }

  // The model's own outputs. A crashed or hung worker is a WorkerFailure; the next call starts a
  // fresh worker, so one bad input does not end a campaign.
  InferResult infer(const TensorMap& inputs);
  // Runs inputs 0..count-1 in order and hands each outcome to `on_result`: the result, or the
  // WorkerFailure that ended it (then the next input gets a fresh worker, as with infer()). While
  // a request fits in the pipe, the next input is sent while the worker runs the current one, so
  // its transfer is hidden behind the inference. Stops early when on_result returns false.
  using ResultHandler =
      std::function<bool(size_t index, const InferResult* result, const WorkerFailure* failure)>;
  void infer_each(size_t count, const std::function<TensorMap(size_t)>& input_of,
                  const ResultHandler& on_result);

  // Every value kept (see SessionOptions) plus the outputs.
  InferResult intermediates(const TensorMap& inputs);

 private:
  void start();
  std::string label_;
  backends::EnvSpec env_;
  SessionOptions options_;
  std::string onnx_;
  uint32_t primary_outputs_ = 0;
  std::string description_;
  std::unique_ptr<WorkerProcess> process_;
};

}  // namespace nnd::worker
