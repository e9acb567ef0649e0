#include "data/evaluate.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.h"
#include "data/preprocess.h"

namespace nnd::data {

int64_t Evaluation::labelled() const {
  int64_t total = 0;
  for (const auto& row : confusion)
    for (int64_t n : row) total += n;
  return total;
}

int64_t Evaluation::correct() const {
  int64_t total = 0;
  for (size_t i = 0; i < confusion.size(); ++i) total += confusion[i][i];
  return total;
}

Tensor model_input(const Item& item, const ModelCard& card, InputFault fault) {
  if (item.image) return preprocess(*item.image, card, fault);
  NND_CHECK(item.input.has_value(), "item {} has neither an image nor an input", item.key);
  if (fault != InputFault::kNone)
    fail(
        "{}: input mutants change the preprocessing, and this dataset's inputs are already "
        "preprocessed (use an image dataset)",
        item.source);
  const Tensor& input = *item.input;
  if (input.shape() != card.input_shape())
    fail("{}: input of shape {} does not match {}, which describes {}", item.source,
         shape_string(input.shape()), card.path, shape_string(card.input_shape()));
  return input;
}

size_t predicted_class(const Tensor& scores, const ModelCard& card, bool* had_nan) {
  const auto offset = static_cast<int64_t>(card.label_offset);
  const auto classes = static_cast<int64_t>(card.from_model ? scores.size() : card.labels.size());
  if (scores.size() < offset + classes)
    fail("output '{}' has {} values, but {} needs label_offset {} + {} labels", card.output,
         scores.size(), card.path, offset, classes);
  size_t best = 0;
  double best_score = -INFINITY;
  bool nan = false;
  for (int64_t i = 0; i < classes; ++i) {
    double score = scores.at(offset + i);
    if (std::isnan(score)) {
      nan = true;
      continue;
    }
    if (score > best_score) {
      best_score = score;
      best = static_cast<size_t>(i);
    }
  }
  if (had_nan) *had_nan = nan;
  return best;
}

Evaluation evaluate(backends::Session& session, Dataset& dataset, const ModelCard& card,
                    const std::function<void(size_t, size_t)>& on_item) {
  const size_t classes = card.labels.size();
  Evaluation result;
  result.labels = card.labels;
  result.confusion.assign(classes, std::vector<int64_t>(classes, 0));
  result.predicted.assign(classes, 0);
  const size_t total = dataset.size();
  for (size_t i = 0; i < total; ++i) {
    Item item = dataset.item(i);
    ++result.items;
    if (!item.readable()) {
      result.unreadable.push_back({item.key, item.source, item.error});
    } else {
      // The label is checked before the run so that a bad label stops the evaluation at once.
      std::optional<size_t> truth;
      if (item.label) truth = resolve_label(*item.label, card.labels, item);
      TensorMap inputs;
      inputs.emplace(card.input, model_input(item, card));
      auto start = std::chrono::steady_clock::now();
      TensorMap outputs = session.run(inputs);
      result.run_ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
      auto out = outputs.find(card.output);
      if (out == outputs.end())
        fail("{}: the session returned no output '{}'", card.path, card.output);
      bool nan = false;
      size_t predicted = predicted_class(out->second, card, &nan);
      result.nan_outputs += nan ? 1 : 0;
      ++result.predicted[predicted];
      if (truth)
        ++result.confusion[*truth][predicted];
      else
        ++result.unlabelled;
    }
    if (on_item) on_item(i + 1, total);
  }
  return result;
}

Interval wilson_interval(int64_t successes, int64_t trials, double z) {
  if (trials <= 0) return {};
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::vector<Confusion> top_confusions(const Evaluation& evaluation, size_t how_many) {
  std::vector<Confusion> all;
  for (size_t t = 0; t < evaluation.confusion.size(); ++t)
    for (size_t p = 0; p < evaluation.confusion[t].size(); ++p)
      if (t != p && evaluation.confusion[t][p] > 0)
        all.push_back({t, p, evaluation.confusion[t][p]});
  std::stable_sort(all.begin(), all.end(),
                   [](const Confusion& a, const Confusion& b) { return a.count > b.count; });
  if (all.size() > how_many) all.resize(how_many);
  return all;
}

}  // namespace nnd::data
