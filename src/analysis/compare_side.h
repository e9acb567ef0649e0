#pragma once
// One side of a pairwise comparison: a model in an environment, hosted by worker processes. What
// the framework does wrong (refuses the model, fails, crashes or hangs on a run) is kept as data,
// because for `compare` and `localize` a side that cannot run is a finding, not an error.
#include <memory>
#include <optional>
#include <string>

#include "backends/env_spec.h"
#include "core/graph.h"
#include "worker/env_session.h"

namespace nnd::analysis {

// How a side failed. `stage` is "load" (preparing the model) or "run" (an inference); `outcome`
// is the worker's (refused, failed, crashed, hung, garbage, exited); `message` is the framework's.
struct SideFailure {
  std::string stage;
  std::string outcome;
  std::string message;
};

class CompareSide {
 public:
  // Applies the environment's transforms, starts its worker and prepares the model. An
  // environment this machine cannot run, or an unknown transform, is a UserError; a transform
  // that cannot make the model (outcome "refused") or a framework failure is kept in failure().
  CompareSide(Model model, backends::EnvSpec env, int threads = 1);
  ~CompareSide();
  CompareSide(const CompareSide&) = delete;
  CompareSide& operator=(const CompareSide&) = delete;

  std::string env_name() const { return env_.canonical(); }
  const backends::EnvSpec& env() const { return env_; }
  const Model& model() const { return model_; }
  // The model as the framework receives it (the environment's transforms applied).
  const Model& transformed() const { return transformed_; }
  // What the worker said it runs; empty when it failed to load.
  const std::string& description() const { return description_; }
  const std::optional<SideFailure>& failure() const { return failure_; }

  // The model's outputs, or nullopt once the side has failed (failure() says how).
  std::optional<TensorMap> run(const TensorMap& inputs);
  // Every value of the transformed model that the framework returns when asked for all of them
  // (worker/expose.h), outputs included. Nullopt when the model with every value exposed is
  // refused or fails: exposure_failure() says how, and the side itself stays usable.
  std::optional<TensorMap> values(const TensorMap& inputs);
  const std::optional<SideFailure>& exposure_failure() const { return exposure_failure_; }
  // Prepares `prefix` (a model cut at one value, see analysis/bisect.h; the environment's
  // transforms are applied to it) for prefix_run; false when the framework refuses it.
  bool load_prefix(const Model& prefix, std::string* why);
  // Runs the last prefix loaded; nullopt when the run fails (`why` says how).
  std::optional<TensorMap> prefix_run(const TensorMap& inputs, std::string* why);

 private:
  worker::SessionOptions options(bool keep_intermediates) const;

  Model model_;
  backends::EnvSpec env_;
  int threads_;
  Model transformed_;
  std::string description_;
  std::optional<SideFailure> failure_, exposure_failure_;
  std::unique_ptr<worker::EnvSession> session_, exposed_, prefix_;
};

}  // namespace nnd::analysis
