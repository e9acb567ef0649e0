#pragma once
// Runs a prepared session over a dataset and counts what it got right: the confusion matrix,
// unreadable items (reported, never dropped), and the time of each run.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "data/card.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "data/feeds.h"

namespace nnd::data {

struct Unreadable {
  std::string key;
  std::string source;
  std::string reason;
};

struct Evaluation {
  std::vector<std::string> labels;  // the card's labels
  size_t items = 0;                 // items visited, readable or not
  std::vector<Unreadable> unreadable;
  size_t unlabelled = 0;   // readable items without a ground-truth label
  size_t nan_outputs = 0;  // runs whose scores held a NaN (predicted as the first NaN-free max)
  // confusion[truth][predicted] over readable labelled items.
  std::vector<std::vector<int64_t>> confusion;
  std::vector<int64_t> predicted;  // predictions per class over all readable items
  std::vector<double> run_ms;      // time of each model run (preprocessing excluded)

  int64_t labelled() const;
  int64_t correct() const;
};

// The model input for an item: a decoded image preprocessed by the card, or an npy row checked
// against the card's input shape (a mismatch is a UserError naming the file and the card).
// `fault` (input mutants) needs an image: an npy item with a fault is a UserError naming its file.
Tensor model_input(const Item& item, const ModelCard& card, InputFault fault = InputFault::kNone);

// The index of the highest score among outputs[label_offset, label_offset + labels).
size_t predicted_class(const Tensor& scores, const ModelCard& card, bool* had_nan = nullptr);

// Evaluates every item; `on_item` (optional) is called after each, e.g. for progress.
Evaluation evaluate(backends::Session& session, Dataset& dataset, const ModelCard& card,
                    const std::function<void(size_t done, size_t total)>& on_item = {});

// Evaluates prepared input sets (data/feeds.h). With a card made from the model, the labels are
// the class indices of its output (as many as the first run's output has elements); a feed's
// label outside them is a UserError naming it.
Evaluation evaluate_feeds(backends::Session& session, const std::vector<Feed>& feeds,
                          const ModelCard& card,
                          const std::function<void(size_t done, size_t total)>& on_item = {});

// The Wilson score interval for a binomial proportion (successes of trials) at ~95%
// confidence (z = 1.96). Returns {0, 1} for zero trials.
struct Interval {
  double low = 0;
  double high = 1;
};
Interval wilson_interval(int64_t successes, int64_t trials, double z = 1.959963984540054);

// The most frequent confusions (truth != predicted), largest first, ties by class order.
struct Confusion {
  size_t truth;
  size_t predicted;
  int64_t count;
};
std::vector<Confusion> top_confusions(const Evaluation& evaluation, size_t how_many);

}  // namespace nnd::data
