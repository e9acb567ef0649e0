#include "backends/cpu_isa.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <vector>

#include "core/error.h"

namespace nnd::backends {

namespace {

struct IsaCap {
  const char* device;
  const char* onednn;                  // ONEDNN_MAX_CPU_ISA
  const char* aten;                    // ATEN_CPU_CAPABILITY
  std::vector<std::string> cpu_flags;  // /proc/cpuinfo flags the ISA needs
};

const std::vector<IsaCap>& isa_caps() {
  static const std::vector<IsaCap> caps = {
      {"cpu-sse41", "SSE41", "default", {"sse4_1"}},
      {"cpu-avx2", "AVX2", "avx2", {"avx2", "fma"}},
      {"cpu-avx512", "AVX512_CORE", "avx512", {"avx512f", "avx512bw", "avx512vl", "avx512dq"}},
  };
  return caps;
}

const IsaCap* find_cap(const std::string& device) {
  for (const IsaCap& cap : isa_caps())
    if (device == cap.device) return &cap;
  return nullptr;
}

std::vector<std::string> cpu_flags() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::vector<std::string> flags;
    for (std::string w; words >> w;) flags.push_back(w);
    return flags;
  }
  return {};
}

}  // namespace

bool is_isa_capped_device(const std::string& device) { return find_cap(device) != nullptr; }

std::string isa_unavailable_reason(const std::string& framework, const std::string& device) {
  const IsaCap* cap = find_cap(device);
  if (!cap) return fmt::format("{} has no device '{}'", framework, device);
  const std::vector<std::string> flags = cpu_flags();
  for (const std::string& need : cap->cpu_flags)
    if (std::find(flags.begin(), flags.end(), need) == flags.end())
      return fmt::format("this CPU lacks '{}', which {} needs", need, device);
  return {};
}

void apply_isa_cap(const std::string& env_name, const std::string& device) {
  static std::mutex mutex;
  static std::optional<std::string> in_effect;  // the cap this process took ("cpu": none)
  std::lock_guard lock(mutex);
  const std::string wanted = device == "cuda" ? "cpu" : device;
  if (in_effect) {
    if (*in_effect != wanted)
      fail("{}: this process already runs LibTorch on '{}'; the ISA cap is fixed per process",
           env_name, *in_effect);
    return;
  }
  if (const IsaCap* cap = find_cap(wanted)) {
    setenv("ONEDNN_MAX_CPU_ISA", cap->onednn, 1);
    setenv("DNNL_MAX_CPU_ISA", cap->onednn, 1);
    setenv("ATEN_CPU_CAPABILITY", cap->aten, 1);
  }
  in_effect = wanted;
}

}  // namespace nnd::backends
