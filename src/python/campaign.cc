// nndelta.run(): `nndelta run`, with progress shown on stderr as the CLI does, or handed to a
// Python callable. Runs execute in worker processes while the GIL is released; every 200 ms the
// campaign comes back to Python to report progress and to see Ctrl-C (KeyboardInterrupt), which
// stops it once the inferences in flight are recorded: a later run() resumes it.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <optional>

#include "analysis/first_divergence.h"
#include "campaign/config.h"
#include "campaign/scheduler.h"
#include "campaign/store.h"
#include "python/bindings.h"

namespace nnd::python {

namespace {

py::dict progress_dict(const campaign::ProgressState& s) {
  py::dict d;
  d["done"] = s.done;
  d["total"] = s.total;
  d["failures"] = s.failures;
  d["elapsed_s"] = s.elapsed_s;
  d["rate"] = s.rate;
  d["current"] = s.current;
  return d;
}

py::dict summary_dict(const campaign::CampaignSummary& s) {
  py::dict d;
  d["store"] = s.store;
  d["runs"] = s.runs;
  d["expected"] = s.expected;
  d["recorded_before"] = s.recorded_before;
  d["recorded"] = s.recorded;
  d["input_failures"] = s.input_failures;
  d["captures_expected"] = s.captures_expected;
  d["captures_recorded_before"] = s.captures_recorded_before;
  d["captures_recorded"] = s.captures_recorded;
  d["capture_failures"] = s.capture_failures;
  d["run_status"] = s.run_status;
  d["seconds_per_environment"] = s.seconds_per_environment;
  d["seconds"] = s.seconds;
  d["stopped"] = s.stopped;
  return d;
}

py::dict run(const std::string& path, int jobs, const std::optional<std::string>& shard,
             const std::optional<std::string>& store, bool retry_failed, py::object progress) {
  if (jobs < 0) fail("jobs must be at least 1 (got {})", jobs);
  const bool callback = !progress.is_none() && PyCallable_Check(progress.ptr());
  if (!callback && !progress.is_none() && !py::isinstance<py::bool_>(progress))
    fail("progress must be True, False, None or a callable");
  campaign::RunOptions options;
  options.jobs = jobs;
  if (shard) options.shard = campaign::Shard::parse(*shard);
  options.store = store.value_or("");
  options.retry_failed = retry_failed;
  options.quiet = callback || !progress.cast<bool>();
  // Set when Python raised (Ctrl-C, or the callable): the campaign stops and run() re-raises.
  std::optional<py::error_already_set> raised;
  options.on_progress = [&](const campaign::ProgressState& state) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      raised.emplace();
      return false;
    }
    if (!callback) return true;
    try {
      progress(progress_dict(state));
    } catch (py::error_already_set& e) {
      raised.emplace(std::move(e));
      return false;
    }
    return true;
  };
  campaign::CampaignSummary summary;
  std::optional<analysis::FirstDivergenceSummary> divergences;
  {
    py::gil_scoped_release release;
    const campaign::CampaignConfig config = campaign::load_campaign(path);
    summary = campaign::run_campaign(config, options);
    // As `nndelta run`: the first divergent node of each diverging pair, into the store.
    if (!raised && !summary.stopped && options.shard.count == 1) {
      auto store = campaign::Store::open(summary.store);
      analysis::FirstDivergenceOptions o;
      o.quiet = options.quiet;
      divergences = analysis::locate_first_divergences(*store, config, o);
    }
  }
  if (raised) throw std::move(*raised);
  py::dict d = summary_dict(summary);
  if (divergences) {
    py::dict f;
    f["pairs"] = divergences->pairs;
    f["recorded_before"] = divergences->recorded_before;
    f["found"] = divergences->found;
    f["seconds"] = divergences->seconds;
    d["first_divergences"] = f;
  }
  return d;
}

}  // namespace

void bind_campaign(py::module_& m) {
  m.def(
      "run", &run, py::arg("campaign"), py::kw_only(), py::arg("jobs") = 0,
      py::arg("shard") = py::none(), py::arg("store") = py::none(), py::arg("retry_failed") = false,
      py::arg("progress") = true,
      R"(Runs a campaign TOML file into its store, doing only what the store lacks (`nndelta run`).

jobs: workers at once (0: the campaign's, else one per core); shard: "i/N", a deterministic share
of the runs; store: a store path instead of the campaign's; retry_failed: re-run runs that ended
refused, crashed, hung or stuck. progress: True prints progress lines on stderr as the CLI does,
False/None prints nothing, a callable is called about every 200 ms with a dict (done, total,
failures, elapsed_s, rate, current). Ctrl-C, or an exception from the callable, stops the campaign
after the inferences in flight and is raised; run() again to resume.

Returns the campaign's summary: store, recorded, input_failures, run_status (status -> runs),
seconds_per_environment, seconds, stopped, and the capture counts; unless sharded or stopped, also
first_divergences (pairs, recorded_before, found, seconds): the first divergent node of each
diverging pair, found after the runs and recorded in the store. A malformed campaign raises
nndelta.Error with the CLI's message (e.g. "c.toml:8: unknown key 'environments.colour'").)");
}

}  // namespace nnd::python
