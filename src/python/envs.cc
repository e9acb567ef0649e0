// nndelta.envs(): what `nndelta envs` prints, as a data frame.
#include <pybind11/stl.h>

#include <optional>

#include "backends/env_spec.h"
#include "python/bindings.h"
#include "python/frame.h"
#include "worker/launch.h"

namespace nnd::python {

namespace {

struct EnvRows {
  std::vector<std::string> environment, framework, device, version, reason;
  std::vector<uint8_t> available;

  void add(const backends::EnvSpec& env, const std::string& fw_version) {
    const std::string why = worker::unavailable_reason(env);
    environment.push_back(env.canonical());
    framework.push_back(env.framework);
    device.push_back(env.device);
    version.push_back(fw_version);
    available.push_back(why.empty());
    reason.push_back(why);
  }

  py::object frame() {
    return data_frame({{"environment", strings(environment)},
                       {"framework", strings(framework)},
                       {"device", strings(device)},
                       {"version", strings(version)},
                       {"available", to_numpy_bool(std::move(available))},
                       {"reason", strings(reason)}});
  }
};

std::string version_of(const std::string& framework) {
  for (const worker::FrameworkInfo& fw : worker::frameworks())
    if (fw.framework == framework) return fw.version;
  return {};
}

py::object envs(std::optional<std::vector<std::string>> specs) {
  EnvRows rows;
  if (!specs) {
    for (const worker::FrameworkInfo& fw : worker::frameworks())
      for (const std::string& device : fw.devices) {
        backends::EnvSpec env;
        env.framework = fw.framework;
        env.device = device;
        rows.add(env, fw.version);
      }
  } else {
    for (const std::string& text : *specs) {
      backends::EnvSpec env = backends::EnvSpec::parse(text);
      rows.add(env, version_of(env.framework));
    }
  }
  return rows.frame();
}

}  // namespace

void bind_envs(py::module_& m) {
  m.def("envs", &envs, py::arg("specs") = py::none(),
        R"(Environments and whether this machine can run them, as a pandas DataFrame with columns
environment, framework, device, version, available, reason (empty when available).

Without `specs`: every framework/device pair nndelta knows (at O2), as `nndelta envs` lists them.
With `specs` (a list of spellings such as "ort@cpu:O3"): those, canonically spelled; a malformed
spelling raises nndelta.Error.)");
}

}  // namespace nnd::python
