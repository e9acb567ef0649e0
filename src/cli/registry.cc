#include "cli/command.h"

namespace nnd::cli {

Run add_infer(CLI::App& app);
Run add_eval(CLI::App& app);
Run add_demo(CLI::App& app);

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> list = {
      {"infer", "Run a model on one input with the ref framework: output shapes, top-5, latency",
       &add_infer},
      {"eval", "Evaluate a model on a dataset: accuracy with 95% CI, per-class recall, confusions",
       &add_eval},
      {"demo", "Evaluate every zoo model with ref on 1,000 Fashion-MNIST test images", &add_demo},
  };
  return list;
}

}  // namespace nnd::cli
