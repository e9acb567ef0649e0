// nndelta eval: run a model over a labelled dataset in one environment and report accuracy with
// its 95% confidence interval, per-class recall and precision, and the most frequent confusions.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <numeric>

#include "cli/command.h"
#include "core/error.h"
#include "data/evaluate.h"
#include "data/feeds.h"
#include "data/session.h"

namespace nnd::cli {

namespace {

struct EvalOptions {
  std::string model;
  std::string dataset;
  std::optional<size_t> limit;
  std::optional<uint64_t> seed;
  std::string env = "ref";
  std::string card;
  std::vector<std::string> shapes;
};

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::string percent(int64_t part, int64_t whole) {
  return whole > 0 ? fmt::format("{:.2f}%", 100.0 * static_cast<double>(part) / whole) : "-";
}

void print_per_class(const data::Evaluation& e) {
  size_t width = 5;
  for (const std::string& label : e.labels) width = std::max(width, label.size());
  fmt::print("\nper class\n  {:<{}}  {:>6}  {:>7}  {:>7}  {:>9}\n", "class", width, "images",
             "correct", "recall", "precision");
  for (size_t c = 0; c < e.labels.size(); ++c) {
    int64_t images = 0;
    int64_t predicted = 0;
    for (size_t o = 0; o < e.labels.size(); ++o) {
      images += e.confusion[c][o];
      predicted += e.confusion[o][c];
    }
    if (images == 0 && predicted == 0) continue;
    fmt::print("  {:<{}}  {:>6}  {:>7}  {:>7}  {:>9}\n", e.labels[c], width, images,
               e.confusion[c][c], percent(e.confusion[c][c], images),
               percent(e.confusion[c][c], predicted));
  }
  std::vector<data::Confusion> confusions = data::top_confusions(e, 5);
  if (confusions.empty()) return;
  fmt::print("\nmost frequent confusions (truth → predicted)\n");
  for (const data::Confusion& c : confusions)
    fmt::print("  {} → {}  {}\n", e.labels[c.truth], e.labels[c.predicted], c.count);
}

int run_eval(const EvalOptions& options) {
  data::DatasetSpec spec = data::DatasetSpec::parse(options.dataset);
  if (options.limit) spec.limit = options.limit;
  if (options.seed) spec.seed = options.seed;
  if (spec.seed && !spec.limit && spec.kind != "random")
    fail("--seed samples --limit items; give --limit too");
  backends::EnvSpec env = backends::EnvSpec::parse(options.env);

  data::CardedModel model = data::load_model_with_card(options.model, options.card);
  // Prepared tensors are fed by input name; an npy: file with a card is checked by the card.
  const bool feeds = data::is_feed_spec(spec) && (model.card.from_model || spec.kind != "npy");
  if (!feeds && model.card.from_model)
    fail(
        "{}: no model card beside {} (write one, see zoo/*.toml, or give --card), and dataset {} "
        "holds images that need one; a model without a card takes prepared tensors (npy:, npz:, "
        "pb:, random:)",
        data::card_path_for(options.model), options.model, spec.canonical());
  std::vector<data::Feed> feed_list;
  if (feeds)
    feed_list = data::read_feeds(
        spec, data::model_inputs(model.model, data::parse_shapes(options.shapes), options.model));
  std::unique_ptr<backends::Session> session = data::prepare_in_worker(model, env);
  std::unique_ptr<data::Dataset> dataset = feeds ? nullptr : data::open_dataset(spec);

  const bool show_progress = isatty(STDERR_FILENO) != 0;
  data::Evaluation e;
  try {
    auto progress = [&](size_t done, size_t total) {
      if (show_progress && (done % 100 == 0 || done == total))
        fmt::print(stderr, "\r{}/{} images{}", done, total, done == total ? "\n" : "");
    };
    e = feeds ? data::evaluate_feeds(*session, feed_list, model.card, progress)
              : data::evaluate(*session, *dataset, model.card, progress);
  } catch (...) {
    if (show_progress) fmt::print(stderr, "\r\033[K");  // the error line replaces the progress
    throw;
  }

  // Printed only once the evaluation is done, so that an error on the way is the only line.
  if (model.card.from_model)
    fmt::print("model    {} (no card: classes are the indices of output '{}')\n", model.path,
               model.card.output);
  else
    fmt::print("model    {} (card {})\n", model.path, model.card.path);
  fmt::print("env      {}\n", env.canonical());
  fmt::print("dataset  {}\n",
             feeds ? fmt::format("{} ({} input sets)", spec.canonical(), feed_list.size())
                   : dataset->description());
  for (const data::Unreadable& u : e.unreadable)
    fmt::print("unreadable  {}: {}\n", u.source, u.reason);
  if (!e.unreadable.empty())
    fmt::print("unreadable {} of {} items (listed above): not counted in the accuracy\n",
               e.unreadable.size(), e.items);
  if (e.nan_outputs > 0)
    fmt::print("NaN in the scores of {} runs (NaN scores are never the predicted class)\n",
               e.nan_outputs);
  const int64_t n = e.labelled();
  if (n > 0) {
    data::Interval ci = data::wilson_interval(e.correct(), n);
    fmt::print("accuracy {} ({}/{}), 95% CI {:.2f}%–{:.2f}% (Wilson)\n", percent(e.correct(), n),
               e.correct(), n, 100 * ci.low, 100 * ci.high);
  }
  if (e.unlabelled > 0) fmt::print("unlabelled {} images: no accuracy for them\n", e.unlabelled);
  if (!e.run_ms.empty())
    fmt::print("time     {:.3f} ms/image (median of {} runs, model only; mean {:.3f})\n",
               median(e.run_ms), e.run_ms.size(),
               std::accumulate(e.run_ms.begin(), e.run_ms.end(), 0.0) / e.run_ms.size());
  if (n > 0) print_per_class(e);
  if (e.unlabelled > 0) {
    fmt::print("\npredicted classes\n");
    for (size_t c = 0; c < e.labels.size(); ++c)
      if (e.predicted[c] > 0) fmt::print("  {}  {}\n", e.labels[c], e.predicted[c]);
  }
  return 0;
}

}  // namespace

Run add_eval(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  app.add_option("model", options->model, "ONNX model file (its card is MODEL.toml beside it)")
      ->required();
  app.add_option("--dataset", options->dataset,
                 "fashion-mnist:test|train, images:DIR|FILE.csv, npy:FILE.npy, npz:FILE.npz, "
                 "pb:DIR, random:N (optionally ,limit=N ,seed=S)")
      ->required();
  app.add_option("--limit", options->limit,
                 "evaluate the first N items (or N sampled, see --seed)");
  app.add_option("--seed", options->seed, "sample the --limit items with this seed");
  app.add_option("--env", options->env, "environment, e.g. ort@cpu:O3 (see nndelta envs)")
      ->capture_default_str();
  app.add_option("--card", options->card,
                 "model card (default: MODEL.toml beside the model; without one, prepared "
                 "tensors only and classes by index)");
  app.add_option("--shape", options->shapes,
                 "shape of an input the model leaves symbolic, NAME:1x3x224x224 (repeatable)");
  return [options] { return run_eval(*options); };
}

}  // namespace nnd::cli
