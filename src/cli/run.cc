// nndelta run: execute a campaign into its store, doing only what the store lacks.
#include <fmt/format.h>

#include "campaign/config.h"
#include "campaign/scheduler.h"
#include "cli/campaign_summary.h"
#include "cli/command.h"

namespace nnd::cli {

namespace {

struct RunCliOptions {
  std::string campaign;
  int jobs = 0;
  std::string shard;
  std::string store;
  bool quiet = false;
  bool retry_failed = false;
};

int run(const RunCliOptions& o) {
  campaign::CampaignConfig config = campaign::load_campaign(o.campaign);
  campaign::RunOptions options;
  options.jobs = o.jobs;
  if (!o.shard.empty()) options.shard = campaign::Shard::parse(o.shard);
  options.store = o.store;
  options.quiet = o.quiet;
  options.retry_failed = o.retry_failed;
  print_campaign_plan(config);
  std::fflush(stdout);  // progress goes to stderr: keep the two in order
  const campaign::CampaignSummary summary = campaign::run_campaign(config, options);
  print_campaign_summary(summary);
  if (options.shard.count == 1) locate_and_print_first_divergences(config, summary.store, o.quiet);
  return 0;
}

}  // namespace

Run add_run(CLI::App& app) {
  auto o = std::make_shared<RunCliOptions>();
  app.add_option("campaign", o->campaign, "campaign TOML file (see examples/)")->required();
  app.add_option("--jobs", o->jobs, "workers at once (default: the campaign's, else one per core)")
      ->check(CLI::PositiveNumber);
  app.add_option("--shard", o->shard, "run a deterministic share i/N of the runs (0 <= i < N)");
  app.add_option("--store", o->store, "store file (default: the campaign's)");
  app.add_flag("--quiet", o->quiet, "no progress lines");
  app.add_flag("--retry-failed", o->retry_failed,
               "also re-run runs that ended refused, crashed, hung or stuck");
  return [o] { return run(*o); };
}

}  // namespace nnd::cli
