#include "cli/command.h"

namespace nnd::cli {

Run add_demo(CLI::App& app);
Run add_infer(CLI::App& app);
Run add_eval(CLI::App& app);
Run add_compare(CLI::App& app);
Run add_localize(CLI::App& app);
Run add_envs(CLI::App& app);
Run add_merge(CLI::App& app);
Run add_run(CLI::App& app);
Run add_report(CLI::App& app);
Run add_worker(CLI::App& app);
Run add_compile(CLI::App& app);
Run add_compare_raw(CLI::App& app);
Run add_mutants(CLI::App& app);

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> list = {
      {"demo",
       "Built-in campaign: every zoo model x 1,000 Fashion-MNIST images x every environment here",
       &add_demo},
      {"infer", "Run a model on one input with the ref framework: output shapes, top-5, latency",
       &add_infer},
      {"eval", "Evaluate a model on a dataset: accuracy with 95% CI, per-class recall, confusions",
       &add_eval},
      {"compare", "Compare a model in two environments: load/run status, top-1 flips, error stats",
       &add_compare},
      {"localize", "Find the first node where two environments (or models) diverge", &add_localize},
      {"run", "Run a campaign (models x dataset x environments) into its store; resumes", &add_run},
      {"report", "Report a store: accuracy, agreement, latency, failures (html|md|json|csv)",
       &add_report},
      {"compile", "Compile a model with Halide for a halide environment; --emit IR/C/asm, --bundle",
       &add_compile},
      {"compare-raw", "Check a bundle's raw outputs (run on another machine) against ref",
       &add_compare_raw},
      {"envs", "List the environments this machine can run, and why not for the others", &add_envs},
      {"merge", "Merge stores (e.g. the shards of one campaign) into one: nndelta merge OUT IN...",
       &add_merge},
      {"worker", "Host one environment session for a parent process (docs/worker-protocol.md)",
       &add_worker},
      {"mutants",
       "The mutation catalogue, a model's mutants, a mutant's diff (operators|list|show)",
       &add_mutants},
  };
  return list;
}

}  // namespace nnd::cli
