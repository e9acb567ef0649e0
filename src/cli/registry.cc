#include "cli/command.h"

namespace nnd::cli {

Run add_infer(CLI::App& app);
Run add_envs(CLI::App& app);
Run add_worker(CLI::App& app);
Run add_merge(CLI::App& app);

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> list = {
      {"infer", "Run a model on one input with the ref framework: output shapes, top-5, latency",
       &add_infer},
      {"envs", "List the environments this machine can run, and why not for the others", &add_envs},
      {"worker", "Host one environment session for a parent process (docs/worker-protocol.md)",
       &add_worker},
      {"merge", "Merge stores (e.g. the shards of one campaign) into one: nndelta merge OUT IN...",
       &add_merge},
  };
  return list;
}

}  // namespace nnd::cli
