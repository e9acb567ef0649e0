#include "worker/env_session.h"

#include <algorithm>
#include <deque>
#include <thread>

#include "backends/transforms.h"
#include "core/error.h"
#include "onnx/model_io.h"
#include "worker/expose.h"
#include "worker/launch.h"
#include "worker/reply_pacer.h"

namespace nnd::worker {

EnvSession::EnvSession(const Model& model, const backends::EnvSpec& env,
                       const SessionOptions& options)
    : env_(env), options_(options) {
  // A remote worker's machine decides what it can run; it refuses with its own message.
  if (std::string why = unavailable_reason(env); !why.empty() && options.via.empty())
    fail("environment '{}' cannot run here: {}", env.canonical(), why);
  load(model);
}

void EnvSession::load(const Model& model) {
  label_ = model.source_path;
  Model transformed = backends::apply_transforms(model, env_);
  primary_outputs_ = static_cast<uint32_t>(transformed.graph.outputs.size());
  if (options_.keep_intermediates)
    transformed = expose_values(transformed, options_.intermediate_names);
  onnx_ = onnx_io::model_to_bytes(transformed);
  if (process_ && process_->alive())
    description_ =
        process_->prepare(env_.canonical(), options_.threads, primary_outputs_, label_, onnx_);
  else
    start();
}

void EnvSession::start() {
  process_.reset();
  Command command =
      options_.via.empty() ? command_for(env_) : Command{{"sh", "-c", options_.via}, {}};
  // BLAS and OpenMP pools start one thread per core by default: with several workers at once
  // that oversubscribes the machine and makes timings noise.
  const std::string threads = std::to_string(std::max(1, options_.threads));
  for (const char* pool : {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"})
    command.env.emplace(pool, threads);
  process_ = std::make_unique<WorkerProcess>(command, options_.timeouts);
  description_ =
      process_->prepare(env_.canonical(), options_.threads, primary_outputs_, label_, onnx_);
}

InferResult EnvSession::infer(const TensorMap& inputs) {
  if (!process_ || !process_->alive()) start();
  return process_->infer(inputs);
}

void EnvSession::infer_each(size_t count, const std::function<TensorMap(size_t)>& input_of,
                            const ResultHandler& on_result) {
  std::deque<size_t> in_flight;  // sent, reply not read yet; at most two
  size_t next = 0;
  ReplyPacer pacer;
  while (next < count || !in_flight.empty()) {
    try {
      if (!process_ || !process_->alive()) {
        in_flight.clear();
        start();
      }
      while (next < count && in_flight.size() < 2) {
        const TensorMap inputs = input_of(next);
        size_t bytes = 0;
        for (const auto& [name, tensor] : inputs) bytes += name.size() + tensor.bytes().size() + 64;
        // A second request waits in the pipe only when it fits there: a larger one would block
        // this thread while the worker blocks on writing a large reply that nobody reads.
        if (!in_flight.empty() && bytes > process_->pipe_capacity()) break;
        process_->send_infer(inputs);
        in_flight.push_back(next++);
      }
      const size_t index = in_flight.front();
      const bool queued = in_flight.size() == 2;  // the worker has the next request already
      if (queued) {
        if (auto from = pacer.wait_from()) std::this_thread::sleep_until(*from);
      }
      const bool waited = !process_->reply_waiting();
      InferResult result = process_->receive_infer();
      pacer.replied(ReplyPacer::Clock::now(), waited, queued,
                    std::chrono::nanoseconds(result.latency_ns));
      in_flight.pop_front();
      if (!on_result(index, &result, nullptr)) return;
    } catch (const WorkerFailure& e) {
      pacer.reset();
      size_t index;
      if (in_flight.empty()) {
        index = next++;  // the worker could not start for this input
      } else {
        index = in_flight.front();
        in_flight.pop_front();
        // Anything sent after it died with the worker: send it again to the next one.
        if (e.outcome != Outcome::kFailed && !in_flight.empty()) {
          next = in_flight.front();
          in_flight.clear();
        }
      }
      if (!on_result(index, nullptr, &e)) return;
    }
  }
}

InferResult EnvSession::intermediates(const TensorMap& inputs) {
  NND_CHECK(options_.keep_intermediates, "intermediates() of a session that keeps none");
  if (!process_ || !process_->alive()) start();
  return process_->intermediates(inputs);
}

}  // namespace nnd::worker
