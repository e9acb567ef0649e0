#include "cli/campaign_summary.h"

#include <fmt/format.h>

#include "analysis/first_divergence.h"
#include "campaign/store.h"

namespace nnd::cli {

void print_campaign_plan(const campaign::CampaignConfig& config) {
  fmt::print("campaign {}: {} models x {} environments x {} ({} repetition{})\n", config.path,
             config.models.size(), config.environments.size(), config.dataset, config.repetitions,
             config.repetitions > 1 ? "s" : "");
  for (const campaign::SkippedEnvironment& s : config.skipped)
    fmt::print("  skipping {}: {}\n", s.spec, s.reason);
}

void print_campaign_summary(const campaign::CampaignSummary& s) {
  fmt::print("store {}: {} runs", s.store, s.runs);
  for (const auto& [status, count] : s.run_status) fmt::print(", {} {}", count, status);
  fmt::print("\npredictions: {} new, {} already there, {} expected; {} inputs failed\n", s.recorded,
             s.recorded_before, s.expected, s.input_failures);
  if (s.captures_expected > 0)
    fmt::print("intermediate captures: {} new, {} already there, {} expected; {} not ok\n",
               s.captures_recorded, s.captures_recorded_before, s.captures_expected,
               s.capture_failures);
  for (const auto& [env, seconds] : s.seconds_per_environment)
    fmt::print("  {:<28} {:8.1f} s\n", env, seconds);
  fmt::print("wall time {:.1f} s\n", s.seconds);
}

}  // namespace nnd::cli

namespace nnd::cli {

void locate_and_print_first_divergences(const campaign::CampaignConfig& config,
                                        const std::string& store_path, bool quiet) {
  auto store = campaign::Store::open(store_path);
  analysis::FirstDivergenceOptions options;
  options.quiet = quiet;
  const analysis::FirstDivergenceSummary s =
      analysis::locate_first_divergences(*store, config, options);
  fmt::print(
      "first divergent nodes: {} diverging pair{} ({} already in the store), {} with a node named, "
      "{:.1f} s\n",
      s.pairs, s.pairs == 1 ? "" : "s", s.recorded_before, s.found, s.seconds);
}

}  // namespace nnd::cli
