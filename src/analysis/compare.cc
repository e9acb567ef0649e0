#include "analysis/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

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

std::vector<InputCase> read_cases(const data::DatasetSpec& spec, const data::ModelCard& card,
                                  const std::vector<data::InputSpec>& inputs) {
  if (data::is_feed_spec(spec) && (card.from_model || spec.kind != "npy")) {
    std::vector<InputCase> cases;
    for (data::Feed& feed : data::read_feeds(spec, inputs))
      cases.push_back({std::move(feed.key), std::move(feed.inputs)});
    return cases;
  }
  if (card.from_model)
    fail(
        "dataset {}: its images need a model card to be preprocessed ({}); give --card, or "
        "prepared tensors (npy:, npz:, pb:, random:)",
        spec.canonical(), card.path);
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

bool same_shape(const Shape& a, const Shape& b) {
  auto squeezed = [](const Shape& s) {
    Shape out;
    for (int64_t d : s)
      if (d != 1) out.push_back(d);
    return out;
  };
  return squeezed(a) == squeezed(b);
}

double CompareResult::flip_percent() const {
  return inputs.empty() ? 0.0 : 100.0 * static_cast<double>(top1_flips) / inputs.size();
}

bool CompareResult::outputs_pass() const {
  return std::none_of(outputs.begin(), outputs.end(),
                      [](const OutputComparison& o) { return o.diverges(); });
}

std::string CompareResult::label(size_t index) const {
  return index < labels.size() ? labels[index] : std::to_string(index);
}

CompareResult compare_sides(CompareSide& reference, CompareSide& candidate,
                            const std::vector<InputCase>& cases, const data::ModelCard& card,
                            const Tolerances& tolerances) {
  CompareResult result;
  result.reference_env = reference.env_name();
  result.candidate_env = candidate.env_name();
  result.reference_model = reference.model().source_path;
  result.candidate_model = candidate.model().source_path;
  result.output = card.output;
  if (!card.from_model) result.labels = card.labels;
  result.tolerance = tolerances.of(card.output);
  std::vector<ErrorAccumulator> accumulators;
  for (const ValueInfo& out : reference.model().graph.outputs) {
    OutputComparison o;
    o.name = out.name;
    o.tolerance = tolerances.of(out.name);
    result.outputs.push_back(o);
    accumulators.emplace_back(o.tolerance);
  }
  for (size_t index = 0; index < cases.size(); ++index) {
    const InputCase& c = cases[index];
    result.failed_input = index;
    std::optional<TensorMap> want = reference.run(c.inputs);
    std::optional<TensorMap> got = want ? candidate.run(c.inputs) : std::nullopt;
    if (!want || !got) break;
    InputComparison one;
    one.key = c.key;
    bool class_shapes_differ = false;
    for (size_t k = 0; k < result.outputs.size(); ++k) {
      OutputComparison& o = result.outputs[k];
      auto w = want->find(o.name), g = got->find(o.name);
      if (w == want->end() || g == got->end())
        fail("output '{}' is missing from the {} outputs of {}", o.name,
             w == want->end() ? "reference" : "candidate",
             w == want->end() ? reference.env_name() : candidate.env_name());
      if (!same_shape(w->second.shape(), g->second.shape())) {
        if (!o.shapes) o.shapes = ShapeMismatch{w->second.shape(), g->second.shape(), c.key};
        one.beyond = true;
        class_shapes_differ |= o.name == card.output;
        continue;
      }
      const std::vector<double> ref_values = w->second.to_doubles();
      const std::vector<double> cand_values = g->second.to_doubles();
      ErrorStats stats = compare_doubles(cand_values, ref_values, o.tolerance);
      accumulators[k].add(cand_values, ref_values);
      one.beyond |= !stats.passes();
      one.worst_abs = std::max(one.worst_abs, stats.max_abs);
      if (o.name == card.output) {
        one.stats = stats;
        one.top1_reference = data::predicted_class(w->second, card);
        one.top1_candidate = data::predicted_class(g->second, card);
      }
    }
    if (class_shapes_differ) one.worst_abs = std::numeric_limits<double>::infinity();
    result.top1_flips += one.flipped();
    result.inputs.push_back(std::move(one));
  }
  for (size_t k = 0; k < result.outputs.size(); ++k) {
    result.outputs[k].stats = accumulators[k].stats();
    if (result.outputs[k].name == card.output) result.scores = result.outputs[k].stats;
  }
  result.reference_description = reference.description();
  result.candidate_description = candidate.description();
  result.reference_failure = reference.failure();
  result.candidate_failure = candidate.failure();
  return result;
}

}  // namespace nnd::analysis
