// Evaluation of prepared input sets: what `nndelta eval` does for npy:, npz:, pb: and random:
// inputs, with or without a card.
#include <fmt/format.h>

#include <chrono>

#include "core/error.h"
#include "data/evaluate.h"

namespace nnd::data {

Evaluation evaluate_feeds(backends::Session& session, const std::vector<Feed>& feeds,
                          const ModelCard& card,
                          const std::function<void(size_t, size_t)>& on_item) {
  Evaluation result;
  auto set_labels = [&](std::vector<std::string> labels) {
    result.labels = std::move(labels);
    result.confusion.assign(result.labels.size(), std::vector<int64_t>(result.labels.size(), 0));
    result.predicted.assign(result.labels.size(), 0);
  };
  if (!card.from_model) set_labels(card.labels);
  for (size_t i = 0; i < feeds.size(); ++i) {
    const Feed& feed = feeds[i];
    ++result.items;
    auto start = std::chrono::steady_clock::now();
    TensorMap outputs = session.run(feed.inputs);
    result.run_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    auto out = outputs.find(card.output);
    if (out == outputs.end())
      fail("{}: the session returned no output '{}'", card.path, card.output);
    if (result.labels.empty()) {
      std::vector<std::string> indices;
      for (int64_t k = 0; k < out->second.size(); ++k) indices.push_back(std::to_string(k));
      set_labels(std::move(indices));
    }
    if (card.from_model && out->second.size() != static_cast<int64_t>(result.labels.size()))
      fail("{}: output '{}' has {} values on {} but {} on the first input", card.path, card.output,
           out->second.size(), feed.key, result.labels.size());
    bool nan = false;
    const size_t predicted = predicted_class(out->second, card, &nan);
    result.nan_outputs += nan ? 1 : 0;
    ++result.predicted[predicted];
    if (feed.label) {
      Item item;
      item.key = feed.key;
      item.source = feed.key;
      ++result.confusion[resolve_label(*feed.label, result.labels, item)][predicted];
    } else {
      ++result.unlabelled;
    }
    if (on_item) on_item(i + 1, feeds.size());
  }
  return result;
}

}  // namespace nnd::data
