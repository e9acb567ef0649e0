#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <new>

#include "cli/command.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{
      "nndelta: does an image-recognition model still give the same answers, as fast, in another "
      "computational environment?"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "nndelta 0.1.0");
  std::vector<std::pair<CLI::App*, nnd::cli::Run>> runs;
  for (const nnd::cli::Subcommand& sub : nnd::cli::subcommands()) {
    CLI::App* command = app.add_subcommand(sub.name, sub.summary);
    runs.emplace_back(command, sub.add(*command));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    for (auto& [command, run] : runs)
      if (command->parsed()) return run();
  } catch (const nnd::UserError& e) {
    fmt::print(stderr, "nndelta: error: {}\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    // A model can ask for more memory than the machine has (a Resize to huge sizes, say).
    fmt::print(stderr,
               "nndelta: error: out of memory: the model or input asks for more memory "
               "than is available\n");
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "nndelta: internal error: {}\n", e.what());
    return 70;
  }
  return 0;
}
