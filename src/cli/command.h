#pragma once
// The CLI is an explicit registry of subcommands, one file each. A subcommand adds its options to
// its own CLI::App and returns the function that runs it once arguments are parsed.
#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace nnd::cli {

using Run = std::function<int()>;
using Register = Run (*)(CLI::App& app);

struct Subcommand {
  const char* name;
  const char* summary;
  Register add;
};

// Defined in registry.cc: the list of every subcommand, in the order --help shows them.
const std::vector<Subcommand>& subcommands();

}  // namespace nnd::cli
