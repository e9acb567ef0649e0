// nndelta envs: every environment this machine can run, and why not for the others.
#include <fmt/format.h>

#include "backends/env_spec.h"
#include "cli/command.h"
#include "core/error.h"
#include "worker/launch.h"

namespace nnd::cli {

namespace {

int list_all() {
  fmt::print("{:<8} {:<14} {:<40} {}\n", "FRAMEWORK", "DEVICE", "VERSION", "STATUS");
  int available = 0, total = 0;
  for (const worker::FrameworkInfo& fw : worker::frameworks())
    for (const std::string& device : fw.devices) {
      backends::EnvSpec env;
      env.framework = fw.framework;
      env.device = device;
      std::string why = worker::unavailable_reason(env);
      ++total;
      available += why.empty();
      fmt::print("{:<8} {:<14} {:<40} {}\n", fw.framework, device,
                 fw.version.empty() ? "-" : fw.version,
                 why.empty() ? "available (O0..O3)" : "unavailable: " + why);
    }
  fmt::print(
      "{} of {} framework/device pairs run here; spell an environment as "
      "framework[+opsetN]@device:Ok[,key=value...], e.g. ort@cpu:O3\n",
      available, total);
  return 0;
}

// Checks given spellings: prints each canonically with its status; exit 2 if any cannot run.
int check(const std::vector<std::string>& specs) {
  int status = 0;
  for (const std::string& text : specs) {
    backends::EnvSpec env = backends::EnvSpec::parse(text);
    std::string why = worker::unavailable_reason(env);
    if (why.empty()) {
      fmt::print("{}  available\n", env.canonical());
    } else {
      fmt::print("{}  unavailable: {}\n", env.canonical(), why);
      status = 2;
    }
  }
  return status;
}

}  // namespace

Run add_envs(CLI::App& app) {
  auto specs = std::make_shared<std::vector<std::string>>();
  app.add_option("env", *specs, "environments to check (default: list every one)");
  return [specs] { return specs->empty() ? list_all() : check(*specs); };
}

}  // namespace nnd::cli
