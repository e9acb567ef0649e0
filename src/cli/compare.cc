// nndelta compare: the quick pairwise check of a model in two environments (or of two models)
// without a campaign: each side's load/run status, top-1 flips and the error of the class scores
// under a tolerance. Exit 0 when they agree, 1 when they diverge or a side fails, 2 on bad input.
#include <fmt/format.h>

#include "analysis/compare_json.h"
#include "analysis/compare_setup.h"
#include "analysis/compare_text.h"
#include "cli/command.h"
#include "cli/pair_options.h"
#include "core/error.h"

namespace nnd::cli {

namespace {

struct CompareOptions {
  analysis::PairRequest pair;
  std::vector<std::string> atol, rtol;
  std::string format = "text";
};

int run_compare(const CompareOptions& options) {
  const analysis::Tolerances tolerances = parse_tolerances(options.atol, options.rtol);
  analysis::PreparedPair pair = analysis::prepare_pair(options.pair);
  check_tolerance_names(tolerances, pair.model.model, options.pair.model);
  analysis::CompareResult result = analysis::compare_sides(*pair.reference, *pair.candidate,
                                                           pair.cases, pair.model.card, tolerances);
  if (options.format == "json")
    fmt::print("{}\n", analysis::to_json(result).dump(2));
  else
    fmt::print("{}", analysis::compare_text(result, pair.dataset));
  return result.diverges() ? 1 : 0;
}

}  // namespace

Run add_compare(CLI::App& app) {
  auto options = std::make_shared<CompareOptions>();
  app.add_option("--model", options->pair.model,
                 "ONNX model (its card, if any, is MODEL.toml beside it)")
      ->required();
  app.add_option("--env", options->pair.envs,
                 "the reference environment, then the candidate (e.g. --env ref --env "
                 "ort@cpu:O3); one with --model-b")
      ->required();
  app.add_option("--model-b", options->pair.model_b,
                 "the candidate's model (e.g. a converted or mutated copy); default --model");
  app.add_option("--dataset", options->pair.dataset,
                 "inputs: a dataset, or npy:FILE, npz:FILE, pb:DIR, random:N (default "
                 "fashion-mnist:test,limit=100 for a Fashion-MNIST card)");
  app.add_option("--card", options->pair.card, "model card (default: MODEL.toml beside it)");
  add_tolerance_options(app, options->atol, options->rtol);
  add_feed_options(app, options->pair.shapes);
  app.add_option("--threads", options->pair.threads, "threads per side")->capture_default_str();
  app.add_option("--format", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return [options] { return run_compare(*options); };
}

}  // namespace nnd::cli
