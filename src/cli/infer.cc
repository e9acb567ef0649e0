#include "cli/command.h"

namespace nnd::cli {

Run add_infer(CLI::App& app) {
  (void)app;
  return [] { return 0; };
}

}  // namespace nnd::cli
