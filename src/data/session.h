#pragma once
// What `nndelta eval` and `nndelta demo` share: a model with its checked card and an in-process
// session for one environment.
#include <memory>
#include <string>

#include "backends/backend.h"
#include "data/card.h"

namespace nnd::data {

struct CardedModel {
  std::string path;
  Model model;
  ModelCard card;
};

// Loads the model and its card (`card_path`, or the .toml beside the model when empty) and checks
// that they match.
CardedModel load_carded_model(const std::string& model_path, const std::string& card_path = {});

// As load_carded_model, but a model with no card beside it (and none given) gets
// card_from_model: it can then be fed prepared tensors only.
CardedModel load_model_with_card(const std::string& model_path, const std::string& card_path = {});

// Prepares the model in an in-process environment (no worker: for tests and the oracle). An
// environment whose framework is not in-process, or that has transforms, is a UserError.
std::unique_ptr<backends::Session> prepare_in_process(const CardedModel& model,
                                                      const backends::EnvSpec& env);

// Prepares the model in any environment this machine can run, hosted by a worker process (so a
// crash of the framework is reported, not fatal). Transforms are applied.
std::unique_ptr<backends::Session> prepare_in_worker(const CardedModel& model,
                                                     const backends::EnvSpec& env);

}  // namespace nnd::data
