// nndelta merge OUT IN...: combines stores (e.g. the shards of one campaign) into OUT.
#include "campaign/merge.h"

#include <fmt/format.h>

#include "campaign/store.h"
#include "cli/command.h"

namespace nnd::cli {

namespace {

struct MergeOptions {
  std::string out;
  std::vector<std::string> inputs;
};

int merge(const MergeOptions& options) {
  // Every input is checked before OUT is opened, so a typo leaves OUT untouched.
  for (const std::string& in : options.inputs) campaign::check_merge_input(options.out, in);
  std::unique_ptr<campaign::Store> out = campaign::Store::open(options.out);
  for (const std::string& in : options.inputs) {
    campaign::MergeSummary s = campaign::merge_into(*out, in);
    fmt::print(
        "{}: +{} predictions ({} already there), +{} runs ({} with a better status), +{} models, "
        "+{} environments, +{} mutants, +{} inputs\n",
        in, s.predictions_added, s.predictions_present, s.runs_added, s.runs_improved, s.models,
        s.environments, s.mutants, s.inputs);
    if (s.captures_added + s.captures_present > 0)
      fmt::print("  +{} intermediate captures ({} already there) with {} values\n",
                 s.captures_added, s.captures_present, s.intermediates_added);
  }
  fmt::print("{}: {} runs, {} predictions\n", options.out, out->runs().size(),
             out->prediction_count());
  return 0;
}

}  // namespace

Run add_merge(CLI::App& app) {
  auto options = std::make_shared<MergeOptions>();
  app.add_option("out", options->out, "the store to merge into (created when missing)")->required();
  app.add_option("in", options->inputs, "the stores to merge from (only read)")->required();
  return [options] { return merge(*options); };
}

}  // namespace nnd::cli
