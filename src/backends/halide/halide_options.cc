#include "backends/halide/halide_options.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/error.h"
#include "mutate/spec.h"

namespace nnd::backends::halide {

namespace {

// Targets are spelled out rather than taken from the host, so that a cache entry means the same
// code on every machine. cpu is the native ISA of this build's machines (AVX-512 capable x86-64);
// the caps stand in for older or newer CPUs.
struct DeviceTarget {
  const char* device;
  const char* target;
};
const std::vector<DeviceTarget>& device_targets() {
  static const std::vector<DeviceTarget> list = {
      {"cpu", "host"},
      {"cpu-sse41", "x86-64-linux-sse41"},
      {"cpu-avx2", "x86-64-linux-sse41-avx-avx2-fma-f16c"},
      {"cpu-avx512", "x86-64-linux-sse41-avx-avx2-fma-f16c-avx512-avx512_skylake"},
      {"opencl", "host-opencl"},
      {"cuda", "x86-64-linux-sse41-avx-avx2-fma-f16c-cuda-cuda_capability_61"},
  };
  return list;
}

bool one_of(const std::string& value, const std::vector<std::string>& allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

const std::vector<std::string>& step_names() {
  static const std::vector<std::string> names = {"fold_bn",   "fuse",         "constant_fold",
                                                 "vectorize", "tile",         "unroll",
                                                 "parallel",  "autoschedule", "fast_math"};
  return names;
}

const std::vector<std::string>& devices() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const DeviceTarget& d : device_targets()) out.emplace_back(d.device);
    return out;
  }();
  return names;
}

std::string CompileOptions::target() const {
  for (const DeviceTarget& d : device_targets())
    if (device == d.device)
      return strict_float ? std::string(d.target) + "-strict_float" : d.target;
  NND_CHECK(false, "device '{}' has no target", device);
}

std::string CompileOptions::key() const {
  return fmt::format("device={} level={} threads={} strict_float={} schedule={} steps={}{}", device,
                     level, threads, strict_float ? 1 : 0, schedule, fmt::join(steps, "+"),
                     mutation.empty() ? "" : " mutate=" + mutation);
}

CompileOptions compile_options(const EnvSpec& env) {
  const std::string name = env.canonical();
  CompileOptions o;
  o.device = env.device;
  if (!one_of(o.device, devices()))
    fail("environment '{}': halide has no device '{}' (known: {})", name, o.device,
         fmt::join(devices(), ", "));
  o.level = env.opt;
  for (const auto& [key, value] : env.options)
    if (!one_of(key, {"threads", "strict_float", "schedule", "disable", "mutate"}))
      fail(
          "environment '{}': halide has no option '{}' (known: threads, strict_float, schedule, "
          "disable, mutate)",
          name, key);
  o.threads = env.int_option("threads", 1);
  o.mutation = env.option("mutate");
  if (!o.mutation.empty()) {
    const mutate::MutantSpec spec = mutate::MutantSpec::parse(o.mutation);
    if (mutate::info(spec.op).level != mutate::Level::kLoop)
      fail("environment '{}': mutate={}: {} is a {}-level operator; halide applies loop-level ones",
           name, o.mutation, mutate::info(spec.op).id,
           mutate::level_name(mutate::info(spec.op).level));
    o.mutation = spec.id();
  }
  if (o.threads < 1) fail("environment '{}': threads={} must be at least 1", name, o.threads);

  const std::string strict = env.option("strict_float", o.level <= 1 ? "1" : "0");
  if (strict != "0" && strict != "1")
    fail("environment '{}': strict_float={} must be 0 or 1", name, strict);
  o.strict_float = strict == "1";

  // Steps by level, then disable=.
  const std::vector<std::vector<std::string>> by_level = {
      {},
      {"fold_bn", "fuse", "constant_fold"},
      {"vectorize", "tile", "unroll", "parallel"},
      {"autoschedule", "fast_math"}};
  for (int l = 1; l <= o.level; ++l) o.steps.insert(by_level[l].begin(), by_level[l].end());
  const std::string disabled = env.option("disable");
  size_t start = 0;
  while (!disabled.empty() && start <= disabled.size()) {
    size_t plus = disabled.find('+', start);
    std::string step = disabled.substr(start, plus == std::string::npos ? plus : plus - start);
    if (!one_of(step, step_names()))
      fail("environment '{}': disable={}: '{}' is not a step (known: {})", name, disabled, step,
           fmt::join(step_names(), ", "));
    o.steps.erase(step);
    if (plus == std::string::npos) break;
    start = plus + 1;
  }

  const std::string default_schedule = o.has("autoschedule") ? "mullapudi2016" : "manual";
  o.schedule = env.option("schedule", default_schedule);
  if (!one_of(o.schedule, {"manual", "mullapudi2016", "adams2019"}))
    fail("environment '{}': schedule={} is not one of manual, mullapudi2016, adams2019", name,
         o.schedule);
  // A hand or automatic schedule needs a level that schedules at all.
  if (o.schedule != "manual" && o.level < 2)
    fail("environment '{}': schedule={} needs O2 or O3 (O{} computes every stage at root)", name,
         o.schedule, o.level);
  return o;
}

}  // namespace nnd::backends::halide
