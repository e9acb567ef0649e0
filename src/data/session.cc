#include "data/session.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/error.h"
#include "onnx/model_io.h"
#include "worker/env_session.h"

namespace nnd::data {

CardedModel load_carded_model(const std::string& model_path, const std::string& card_path) {
  CardedModel carded;
  carded.path = model_path;
  carded.model = onnx_io::load_model(model_path);
  const std::string beside = card_path_for(model_path);
  std::error_code ec;
  if (card_path.empty() && !std::filesystem::exists(beside, ec))
    fail("{}: no model card beside {} (write one, see zoo/*.toml, or give --card)", beside,
         model_path);
  carded.card = load_card(card_path.empty() ? beside : card_path);
  check_card_matches_model(carded.card, carded.model, model_path);
  return carded;
}

CardedModel load_model_with_card(const std::string& model_path, const std::string& card_path) {
  std::error_code ec;
  if (!card_path.empty() || std::filesystem::exists(card_path_for(model_path), ec))
    return load_carded_model(model_path, card_path);
  CardedModel carded;
  carded.path = model_path;
  carded.model = onnx_io::load_model(model_path);
  carded.card = card_from_model(carded.model, model_path);
  return carded;
}

std::unique_ptr<backends::Session> prepare_in_process(const CardedModel& model,
                                                      const backends::EnvSpec& env) {
  const backends::Backend* backend = backends::find_backend(env.framework);
  if (!backend) {
    std::vector<std::string> known;
    for (const backends::Backend* b : backends::in_process_backends())
      known.push_back(b->framework());
    fail("environment '{}': framework '{}' is not available in-process (available: {})",
         env.canonical(), env.framework, fmt::join(known, ", "));
  }
  if (!env.transforms.empty())
    fail("environment '{}': transforms are not supported here yet", env.canonical());
  backends::PrepareRequest request;
  request.env = env;
  request.label = model.path;
  request.onnx = onnx_io::model_to_bytes(model.model);
  request.model = &model.model;
  request.threads = env.int_option("threads", 1);
  return backend->prepare(request);
}

namespace {

class WorkerSession : public backends::Session {
 public:
  WorkerSession(const Model& model, const backends::EnvSpec& env)
      : session_(model, env, options(env)) {}
  TensorMap run(const TensorMap& inputs) override {
    try {
      return session_.infer(inputs).outputs;
    } catch (const worker::WorkerFailure& e) {
      fail("{}: {}: {}", session_.env().canonical(), worker::outcome_name(e.outcome), e.what());
    }
  }
  std::string description() const override { return session_.description(); }

 private:
  static worker::SessionOptions options(const backends::EnvSpec& env) {
    worker::SessionOptions o;
    o.threads = env.int_option("threads", 1);
    return o;
  }
  worker::EnvSession session_;
};

}  // namespace

std::unique_ptr<backends::Session> prepare_in_worker(const CardedModel& model,
                                                     const backends::EnvSpec& env) {
  try {
    return std::make_unique<WorkerSession>(model.model, env);
  } catch (const worker::WorkerFailure& e) {
    fail("{}: {}: {}", env.canonical(), worker::outcome_name(e.outcome), e.what());
  }
}

}  // namespace nnd::data
