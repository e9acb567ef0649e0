#pragma once
// One interface for every framework that runs inside an `nndelta worker` process (ref, opencv,
// torch, nnc). ort runs in a Node worker that speaks the same protocol (docs/worker-protocol.md).
// A session is prepared once per (model, environment) and then run on many inputs.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/env_spec.h"
#include "core/graph.h"
#include "core/tensor.h"

namespace nnd::backends {

struct PrepareRequest {
  EnvSpec env;
  std::string label;             // the model's path or name, for messages
  std::string onnx;              // serialized ModelProto, transforms already applied
  const Model* model = nullptr;  // the same model parsed into the graph IR
  int threads = 1;               // threads the session may use
};

class Session {
 public:
  virtual ~Session() = default;
  // Runs the model on one batch of inputs and returns every graph output by name. Intermediate
  // values are asked for by making them graph outputs of the model (see worker/expose.h).
  virtual TensorMap run(const TensorMap& inputs) = 0;
  // What actually runs, for the PREPARED reply: library, device, level and options as the
  // framework applied them, including any silent fallback it made (e.g. FP16 run as FP32).
  virtual std::string description() const { return {}; }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string framework() const = 0;  // "ref", "opencv", "torch"
  // Library and version, e.g. "OpenCV 4.6.0".
  virtual std::string version() const = 0;
  // Every device this framework knows, available here or not.
  virtual std::vector<std::string> devices() const = 0;
  // Empty when this machine can run `env`; otherwise one line saying why not (missing GPU,
  // missing ISA, library built without OpenCL...).
  virtual std::string unavailable_reason(const EnvSpec& env) const = 0;
  // Loads the model for env. An unknown device, level or option is a UserError naming it; a
  // model the framework refuses (unsupported op, import failure) is a UserError with the
  // framework's own message.
  virtual std::unique_ptr<Session> prepare(const PrepareRequest& request) const = 0;
  // Environment variables the parent must add when it spawns the worker for `env`: some
  // libraries read their settings once, at process start (OpenCV's OPENCV_CPU_DISABLE).
  virtual std::map<std::string, std::string> worker_environment(const EnvSpec&) const { return {}; }
};

// The in-process backends, in the order `nndelta envs` lists them.
const std::vector<const Backend*>& in_process_backends();
// The backend for a framework name, or nullptr.
const Backend* find_backend(const std::string& framework);

}  // namespace nnd::backends
