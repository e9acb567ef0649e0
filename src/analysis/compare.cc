#include "analysis/compare.h"

#include <fmt/format.h>

#include "core/error.h"
#include "data/evaluate.h"
#include "data/item_key.h"

namespace nnd::analysis {

namespace {

const std::vector<std::string> kFashionMnistLabels = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

InputCase case_of(const data::Item& item, const data::ModelCard& card) {
  if (!item.readable()) fail("{}: cannot read input {}: {}", item.source, item.key, item.error);
  return {item.key, {{card.input, data::model_input(item, card)}}};
}

}  // namespace

std::vector<InputCase> read_cases(const data::DatasetSpec& spec, const data::ModelCard& card) {
  std::unique_ptr<data::Dataset> dataset = data::open_dataset(spec);
  std::vector<InputCase> cases;
  const size_t count = spec.limit ? std::min(*spec.limit, dataset->size()) : dataset->size();
  for (size_t index : data::choose_indices(dataset->size(), count, spec.seed))
    cases.push_back(case_of(dataset->item(index), card));
  return cases;
}

std::vector<InputCase> read_cases(const std::vector<std::string>& keys,
                                  const data::ModelCard& card) {
  data::ItemsByKey items;
  std::vector<InputCase> cases;
  cases.reserve(keys.size());
  for (const std::string& key : keys) cases.push_back(case_of(items.item(key), card));
  return cases;
}

data::DatasetSpec default_dataset(const data::ModelCard& card) {
  if (card.height != 28 || card.width != 28 || card.channels != 1 ||
      card.labels != kFashionMnistLabels)
    fail(
        "{}: the card does not describe a Fashion-MNIST model, so there is no default dataset: "
        "give --dataset",
        card.path);
  return data::DatasetSpec::parse("fashion-mnist:test,limit=100");
}

double CompareResult::flip_percent() const {
  return inputs.empty() ? 0.0 : 100.0 * static_cast<double>(top1_flips) / inputs.size();
}

CompareResult compare_sides(CompareSide& reference, CompareSide& candidate,
                            const std::vector<InputCase>& cases, const data::ModelCard& card,
                            const Tolerance& tolerance) {
  CompareResult result;
  result.reference_env = reference.env_name();
  result.candidate_env = candidate.env_name();
  result.reference_model = reference.model().source_path;
  result.candidate_model = candidate.model().source_path;
  result.output = card.output;
  result.labels = card.labels;
  result.tolerance = tolerance;
  ErrorAccumulator all(tolerance);
  for (const InputCase& c : cases) {
    std::optional<TensorMap> want = reference.run(c.inputs);
    std::optional<TensorMap> got = want ? candidate.run(c.inputs) : std::nullopt;
    if (!want || !got) break;
    auto w = want->find(card.output), g = got->find(card.output);
    if (w == want->end() || g == got->end())
      fail("output '{}' (named by {}) is missing from the {} outputs of {}", card.output, card.path,
           w == want->end() ? "reference" : "candidate",
           w == want->end() ? reference.env_name() : candidate.env_name());
    if (w->second.size() != g->second.size())
      fail("output '{}' has {} values in {} but {} in {}", card.output, w->second.size(),
           reference.env_name(), g->second.size(), candidate.env_name());
    const std::vector<float> ref_values = w->second.to_floats();
    const std::vector<float> cand_values = g->second.to_floats();
    InputComparison one;
    one.key = c.key;
    one.top1_reference = data::predicted_class(w->second, card);
    one.top1_candidate = data::predicted_class(g->second, card);
    one.stats = compare_values(cand_values, ref_values, tolerance);
    all.add(cand_values, ref_values);
    result.top1_flips += one.top1_reference != one.top1_candidate;
    result.inputs.push_back(std::move(one));
  }
  result.scores = all.stats();
  result.reference_description = reference.description();
  result.candidate_description = candidate.description();
  result.reference_failure = reference.failure();
  result.candidate_failure = candidate.failure();
  return result;
}

}  // namespace nnd::analysis
