#pragma once
// Which program hosts an environment, and whether this machine can run it. In-process frameworks
// run in `nndelta worker`; ort runs in `node workers/ort/worker.js`.
#include <string>
#include <vector>

#include "backends/env_spec.h"
#include "worker/client.h"

namespace nnd::worker {

// The command that starts a worker for env (with any environment variables it needs at start).
// An unknown framework is a UserError naming the environment.
Command command_for(const backends::EnvSpec& env);

// Empty when this machine can run env; otherwise why not, in one line. Unknown frameworks,
// devices and transforms are reasons too.
std::string unavailable_reason(const backends::EnvSpec& env);

struct FrameworkInfo {
  std::string framework;
  std::string version;  // empty when the library is missing
  std::vector<std::string> devices;
};
// Every framework nndelta knows, in a fixed order.
std::vector<FrameworkInfo> frameworks();

// The Halide compiler executable (nndelta-halide) of this build, or $NNDELTA_HALIDE_COMPILER.
std::string halide_compiler_binary();

// Where the repository's files (zoo/, workers/) are: $NNDELTA_HOME or the source tree it was
// built from.
std::string home_dir();

}  // namespace nnd::worker
