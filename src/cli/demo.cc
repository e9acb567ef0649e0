// nndelta demo: the built-in campaign (every zoo model x 1,000 Fashion-MNIST test images x every
// environment available here) into demo.db, then a per-model table of what differs from ref and
// the report (HTML, Markdown, JSON) in demo-report/.
#include "campaign/demo.h"

#include <fmt/format.h>

#include <filesystem>

#include "analysis/first_divergence.h"
#include "analysis/report_data.h"
#include "analysis/run_summary.h"
#include "campaign/scheduler.h"
#include "campaign/store.h"
#include "cli/campaign_summary.h"
#include "cli/command.h"
#include "report/report.h"
#include "worker/launch.h"

namespace nnd::cli {

namespace {

struct DemoOptions {
  size_t images = 1000;
  std::string store = "demo.db";
  int jobs = 0;
  bool quiet = false;
};

void print_table(campaign::Store& store, const std::string& baseline) {
  std::string model;
  for (const analysis::RunSummary& r : analysis::summarize_runs(store, baseline)) {
    if (r.model != model) {
      model = r.model;
      fmt::print("\n{}\n  {:<26} {:>9} {:>14} {:>10}  {}\n", model, "environment", "accuracy",
                 "top-1 != ref", "ms/image", "status");
    }
    const double accuracy =
        r.labelled ? 100.0 * static_cast<double>(r.correct) / static_cast<double>(r.labelled) : 0;
    const std::string differs = r.compared
                                    ? fmt::format("{} ({:.1f}%)", r.top1_differs,
                                                  100.0 * static_cast<double>(r.top1_differs) /
                                                      static_cast<double>(r.compared))
                                    : "-";
    fmt::print("  {:<26} {:>8.2f}% {:>14} {:>10.3f}  {}{}\n", r.environment, accuracy, differs,
               r.median_ms, r.status, r.message.empty() ? "" : ": " + r.message.substr(0, 160));
  }
}

// Where each environment that diverges from the baseline starts to, per model (the store's
// first_divergences): what a user of the demo should see found and localized.
void print_first_divergences(campaign::Store& store, const std::string& baseline) {
  bool any = false;
  for (const analysis::FirstDivergence& d : analysis::read_first_divergences(store)) {
    if (d.reference_env != baseline) continue;
    if (!any)
      fmt::print("\nfirst divergent node against {} (one input each; the report has every pair)\n",
                 baseline);
    any = true;
    if (!d.first) {
      fmt::print("  {:<13} {:<20} {}\n", d.model, d.candidate_env,
                 analysis::first_divergence_text(d));
      continue;
    }
    const std::string few = d.skipped ? fmt::format(" (only {} of {} values compared)", d.compared,
                                                    d.compared + d.skipped)
                                      : "";
    fmt::print("  {:<13} {:<20} #{} {} ({}) → {}: max abs {:.3g}{}\n", d.model, d.candidate_env,
               d.first->position, d.first->node, d.first->op, d.first->value,
               d.first->stats.max_abs, few);
  }
}

int run_demo(const DemoOptions& o) {
  const std::string zoo = (std::filesystem::path(worker::home_dir()) / "zoo").string();
  campaign::CampaignConfig config = campaign::demo_campaign(zoo, o.images, o.store);
  print_campaign_plan(config);
  std::fflush(stdout);
  campaign::RunOptions options;
  options.jobs = o.jobs;
  options.quiet = o.quiet;
  const campaign::CampaignSummary summary = campaign::run_campaign(config, options);
  print_campaign_summary(summary);
  locate_and_print_first_divergences(config, summary.store, o.quiet);
  auto store = campaign::Store::open_read_only(config.store);
  print_table(*store, "ref@cpu:O2");
  print_first_divergences(*store, "ref@cpu:O2");
  fmt::print("\nstore: {} (SQL: docs/store.md); re-running resumes and only adds what is missing\n",
             std::filesystem::absolute(config.store).string());
  fmt::print(
      "localize: the report's findings name the first divergent node of each diverging pair; "
      "nndelta localize --store {} looks inside every pair whose labels differ, on more inputs\n",
      config.store);
  const analysis::ReportData data = analysis::build_report(*store, {});
  const std::string out = report::default_out_dir(config.store);
  for (report::Format format :
       {report::Format::kHtml, report::Format::kMarkdown, report::Format::kJson})
    for (const std::string& path : report::write_report(data, format, out))
      fmt::print("report: {}\n", std::filesystem::absolute(path).string());
  return 0;
}

}  // namespace

Run add_demo(CLI::App& app) {
  auto o = std::make_shared<DemoOptions>();
  app.add_option("--images", o->images, "Fashion-MNIST test images per model")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--store", o->store, "store file")->capture_default_str();
  app.add_option("--jobs", o->jobs, "workers at once (default: one per core)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--quiet", o->quiet, "no progress lines");
  return [o] { return run_demo(*o); };
}

}  // namespace nnd::cli
