// nndelta worker: host one environment session for a parent process (docs/worker-protocol.md).
#include <unistd.h>

#include "cli/command.h"
#include "worker/server.h"

namespace nnd::cli {

Run add_worker(CLI::App& app) {
  auto options = std::make_shared<worker::ServeOptions>();
  app.add_option("--fault", options->fault, "test only: misbehave on the first inference")
      ->check(CLI::IsMember({"segv", "hang", "garbage", "exit", "deaf"}));
  return [options] {
    // Libraries may print to stdout; frames get a private copy of it and stdout goes to stderr.
    int frames = ::dup(STDOUT_FILENO);
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    return worker::serve(STDIN_FILENO, frames, *options);
  };
}

}  // namespace nnd::cli
