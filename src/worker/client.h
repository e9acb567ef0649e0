#pragma once
// The parent side of the protocol: starts a worker process, speaks frames to it with a deadline on
// every request, and turns every way a worker can fail into a WorkerFailure that says how.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace nnd::worker {

struct Command {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // added to the parent's environment
};

struct Timeouts {
  std::chrono::milliseconds hello{10'000};
  std::chrono::milliseconds prepare{120'000};
  std::chrono::milliseconds infer{60'000};
  // The worker's data segment limit (RLIMIT_DATA) in MiB; 0: none. Loop mutants run under one:
  // a mutated loop extent can ask for any amount of memory.
  int64_t memory_mb = 0;
};

// How a request ended when it did not end well. kRefused and kFailed are ERROR replies (the
// worker is still usable); the others mean the worker is gone.
enum class Outcome { kRefused, kFailed, kCrashed, kHung, kGarbage, kExited };
std::string_view outcome_name(Outcome outcome);  // "refused", "failed", "crashed", ...

class WorkerFailure : public std::runtime_error {
 public:
  WorkerFailure(Outcome outcome, const std::string& message)
      : std::runtime_error(message), outcome(outcome) {}
  Outcome outcome;
};

struct InferResult {
  TensorMap outputs;
  uint64_t latency_ns = 0;
};

class WorkerProcess {
 public:
  // Starts the worker and says HELLO; a worker that cannot start or answer is a WorkerFailure.
  WorkerProcess(const Command& command, const Timeouts& timeouts);
  ~WorkerProcess();  // QUIT, then SIGKILL if it lingers
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  const std::string& description() const { return description_; }
  // Prepares a session; returns its description.
  std::string prepare(const std::string& env, int threads, uint32_t primary_outputs,
                      const std::string& label, const std::string& onnx);
  InferResult infer(const TensorMap& inputs);
  InferResult intermediates(const TensorMap& inputs);
  bool alive() const { return pid_ > 0; }

  // Pipelined inference: send_infer() writes an INFER now and receive_infer() reads the oldest
  // reply not yet read, so the next input crosses the pipe while the worker runs the current one.
  // A worker that died is reported by receive_infer() (with how it ended), not by send_infer().
  void send_infer(const TensorMap& inputs);
  InferResult receive_infer();
  // Bytes the pipe to the worker holds: a request up to this size never waits for the worker.
  size_t pipe_capacity() const { return pipe_capacity_; }
  // Whether something (a reply, or the end of a dead worker's output) is there to read now.
  bool reply_waiting() const;

 private:
  std::string request(uint8_t type, const std::string& payload, uint8_t expected,
                      std::chrono::milliseconds timeout);
  // Returns false when the worker no longer reads (it died; the reply will say how).
  bool send(uint8_t type, const std::string& payload, std::chrono::milliseconds timeout);
  std::string receive(uint8_t expected, std::chrono::milliseconds timeout);
  // An OUTPUTS payload; a malformed one means the worker is broken (kGarbage).
  InferResult read_outputs(const std::string& reply);
  [[noreturn]] void die(Outcome outcome, const std::string& what);
  std::string stderr_tail() const;

  Timeouts timeouts_;
  std::string program_;
  pid_t pid_ = -1;
  int to_worker_ = -1;
  int from_worker_ = -1;
  int stderr_file_ = -1;  // the worker's stderr, kept for failure messages
  size_t pipe_capacity_ = 64 << 10;
  std::string description_;
};

}  // namespace nnd::worker
