#pragma once
// What `compare` and `localize` do before comparing: load the model(s) and the card, start one
// side per environment, read the inputs. Bad input (unknown environment, missing model, bad
// dataset spec, a model B whose input or output does not match the card) is a UserError. A model
// without a card takes prepared tensors (npy:, npz:, pb:, random:) and compares every output;
// image datasets need a card for their preprocessing.
#include <memory>
#include <string>
#include <vector>

#include "analysis/compare.h"
#include "data/session.h"

namespace nnd::analysis {

struct PairRequest {
  std::string model;    // the reference model
  std::string model_b;  // the candidate model; empty: the same model
  std::string card;     // the model card; empty: the .toml beside `model`, or none (data/feeds.h)
  std::vector<std::string> envs;    // reference, candidate (one: both sides use it)
  std::string dataset;              // a dataset spec; empty: default_dataset(card)
  std::vector<std::string> keys;    // store keys to read instead of a dataset
  std::vector<std::string> shapes;  // --shape NAME:1x3x224x224 for symbolic dimensions
  int threads = 1;
};

struct PreparedPair {
  data::CardedModel model;
  std::string dataset;  // what the inputs are, for the report
  std::vector<InputCase> cases;
  std::unique_ptr<CompareSide> reference, candidate;
};

PreparedPair prepare_pair(const PairRequest& request);

}  // namespace nnd::analysis
