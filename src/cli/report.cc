// nndelta report STORE: everything a store measured, as one self-contained HTML page (default),
// Markdown, JSON or CSV tables (docs/report.md). The store is only read.
#include "report/report.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "analysis/report_data.h"
#include "campaign/store.h"
#include "cli/command.h"
#include "core/error.h"

namespace nnd::cli {

namespace {

struct ReportCommandOptions {
  std::string store;
  std::string format = "html";
  std::string out;
  analysis::ReportOptions analysis;
};

void check(const analysis::ReportOptions& o) {
  if (!(o.rbo_p > 0 && o.rbo_p < 1)) fail("--rbo-p {} is not between 0 and 1 (exclusive)", o.rbo_p);
  if (o.top_k < 1) fail("--top-k {} is not a positive number", o.top_k);
  if (!(o.tolerance.atol >= 0) || !std::isfinite(o.tolerance.atol))
    fail("--atol {} is not a finite number >= 0", o.tolerance.atol);
  if (!(o.tolerance.rtol >= 0) || !std::isfinite(o.tolerance.rtol))
    fail("--rtol {} is not a finite number >= 0", o.tolerance.rtol);
}

int run_report(const ReportCommandOptions& options) {
  const report::Format format = report::parse_format(options.format, "--format");
  check(options.analysis);
  std::unique_ptr<campaign::Store> store = campaign::Store::open_read_only(options.store);
  const analysis::ReportData data = analysis::build_report(*store, options.analysis);
  const std::string out =
      options.out.empty() ? report::default_out_dir(options.store) : options.out;
  for (const std::string& path : report::write_report(data, format, out)) fmt::print("{}\n", path);
  return 0;
}

}  // namespace

Run add_report(CLI::App& app) {
  auto options = std::make_shared<ReportCommandOptions>();
  analysis::ReportOptions& a = options->analysis;
  app.add_option("store", options->store, "the store a campaign wrote (only read)")->required();
  app.add_option("--format", options->format, "html, md, json or csv")->capture_default_str();
  app.add_option("--out", options->out, "folder for the report files (default: STORE-report)");
  app.add_option("--baseline", a.baseline,
                 "environment the others are compared with (default: ref@cpu:O2 if present, "
                 "else each model's first)");
  app.add_option("--rbo-p", a.rbo_p, "persistence of rank-biased overlap")->capture_default_str();
  app.add_option("--top-k", a.top_k, "list length for Kendall tau, RBO and Jaccard")
      ->capture_default_str();
  app.add_option("--seed", a.seed, "seed of the bootstrap")->capture_default_str();
  app.add_option("--atol", a.tolerance.atol, "absolute tolerance of the logits comparison")
      ->capture_default_str();
  app.add_option("--rtol", a.tolerance.rtol, "relative tolerance of the logits comparison")
      ->capture_default_str();
  return [options] { return run_report(*options); };
}

}  // namespace nnd::cli
