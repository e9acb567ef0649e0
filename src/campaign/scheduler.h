#pragma once
// Runs a campaign into its store: every (model, environment) run in a worker, predictions streamed
// to this process, the store's single writer, in batched transactions. Only what the store lacks
// is run, so a killed campaign resumes where it stopped. For the inputs [keep] intermediates
// selects, each run also captures intermediate values at repetition 0, in a second worker with the
// values exposed as outputs; how that went is data in the store, never the run's failure.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "campaign/config.h"
#include "campaign/progress.h"

namespace nnd::campaign {

struct Shard {
  int index = 0;  // 0-based
  int count = 1;
  static Shard parse(const std::string& text);  // "i/N"
};

struct RunOptions {
  int jobs = 0;       // 0: the campaign's, else one per core
  Shard shard;        // a deterministic 1/N of the runs
  std::string store;  // overrides the campaign's store path when set
  bool quiet = false;
  bool retry_failed = false;  // also re-run runs that ended refused, crashed, hung or stuck
  // Called on the calling thread about every 200 ms while runs execute, and once at the end.
  // Returning false stops the campaign once the inferences in flight are recorded: what it has
  // not done stays missing (runs stay pending), as after a killed run, and a re-run does it.
  std::function<bool(const ProgressState&)> on_progress;
};

struct CampaignSummary {
  std::string store;
  int64_t runs = 0;
  int64_t expected = 0;  // predictions this shard must hold when complete
  int64_t recorded_before = 0;
  int64_t recorded = 0;        // new this time
  int64_t input_failures = 0;  // inputs whose run crashed, hung or failed
  // Intermediate captures ([keep] intermediates), counted like predictions.
  int64_t captures_expected = 0;
  int64_t captures_recorded_before = 0;
  int64_t captures_recorded = 0;
  int64_t capture_failures = 0;                           // captures whose outcome is not "ok"
  std::map<std::string, int64_t> run_status;              // status name -> runs of this shard
  std::map<std::string, double> seconds_per_environment;  // wall time of its work
  double seconds = 0;
  bool stopped = false;  // on_progress asked to stop
};

CampaignSummary run_campaign(const CampaignConfig& config, const RunOptions& options);

}  // namespace nnd::campaign
