#include "analysis/compare_side.h"

#include <fmt/format.h>

#include "backends/transforms.h"
#include "core/error.h"

namespace nnd::analysis {

namespace {

SideFailure failure_of(const worker::WorkerFailure& e, const char* stage) {
  return {stage, std::string(worker::outcome_name(e.outcome)), e.what()};
}

std::string one_line(const worker::WorkerFailure& e) {
  return fmt::format("{}: {}", worker::outcome_name(e.outcome), e.what());
}

}  // namespace

CompareSide::CompareSide(Model model, backends::EnvSpec env, int threads)
    : model_(std::move(model)), env_(std::move(env)), threads_(threads) {
  try {
    transformed_ = backends::apply_transforms(model_, env_);
  } catch (const UserError& e) {
    // The transform (e.g. libonnx's opset converter) cannot make this side's model: a finding
    // about this side, as a framework's refusal is. The transform names were checked before.
    failure_ = SideFailure{"load", "refused", e.what()};
    return;
  }
  try {
    session_ = std::make_unique<worker::EnvSession>(model_, env_, options(false));
    description_ = session_->description();
  } catch (const worker::WorkerFailure& e) {
    failure_ = failure_of(e, "load");
  }
}

CompareSide::~CompareSide() = default;

worker::SessionOptions CompareSide::options(bool keep_intermediates) const {
  worker::SessionOptions o;
  o.threads = threads_;
  o.keep_intermediates = keep_intermediates;
  return o;
}

std::optional<TensorMap> CompareSide::run(const TensorMap& inputs) {
  if (failure_) return std::nullopt;
  try {
    return session_->infer(inputs).outputs;
  } catch (const worker::WorkerFailure& e) {
    failure_ = failure_of(e, "run");
    return std::nullopt;
  }
}

std::optional<TensorMap> CompareSide::values(const TensorMap& inputs) {
  if (exposure_failure_) return std::nullopt;
  const char* stage = "load";
  try {
    if (!exposed_) exposed_ = std::make_unique<worker::EnvSession>(model_, env_, options(true));
    stage = "run";
    return exposed_->intermediates(inputs).outputs;
  } catch (const worker::WorkerFailure& e) {
    exposure_failure_ = failure_of(e, stage);
    exposed_.reset();
    return std::nullopt;
  }
}

bool CompareSide::load_prefix(const Model& prefix, std::string* why) {
  try {
    if (prefix_)
      prefix_->load(prefix);
    else
      prefix_ = std::make_unique<worker::EnvSession>(prefix, env_, options(false));
    return true;
  } catch (const worker::WorkerFailure& e) {
    *why = one_line(e);
    return false;
  } catch (const UserError& e) {  // the transform cannot convert the prefix model
    *why = e.what();
    return false;
  }
}

std::optional<TensorMap> CompareSide::prefix_run(const TensorMap& inputs, std::string* why) {
  try {
    return prefix_->infer(inputs).outputs;
  } catch (const worker::WorkerFailure& e) {
    *why = one_line(e);
    return std::nullopt;
  }
}

}  // namespace nnd::analysis
