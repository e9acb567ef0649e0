#include "cli/command.h"

namespace nnd::cli {

Run add_infer(CLI::App& app);

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> list = {
      {"infer", "Run a model on one input with the ref framework: output shapes, top-5, latency",
       &add_infer},
  };
  return list;
}

}  // namespace nnd::cli
