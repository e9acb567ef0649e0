#pragma once
// An environment: one concrete way to run a model, spelled canonically as
// `framework[+transform...]@device:Ok[,key=value...]`, e.g. `opencv+opset10@cpu:O2,threads=2`.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nnd::backends {

struct EnvSpec {
  std::string framework;                       // ref, ort, opencv, torch, nnc
  std::vector<std::string> transforms;         // applied in order, e.g. "opset10"
  std::string device = "cpu";                  // cpu, cpu-avx2, opencl, cuda, wasm, ...
  int opt = 2;                                 // O0..O3
  std::map<std::string, std::string> options;  // raw key=value options, sorted by key

  // Parses the spelling above; `@device` and `:Ok` may be left out (cpu, O2). A malformed
  // spelling is a UserError that quotes it.
  static EnvSpec parse(std::string_view text);
  // The canonical spelling: device and level always written, options sorted by key.
  std::string canonical() const;

  // The value of option `key`, or `fallback` when absent.
  std::string option(const std::string& key, const std::string& fallback = {}) const;
  // Integer option; a non-integer value is a UserError naming the key and the environment.
  int int_option(const std::string& key, int fallback) const;

  bool operator==(const EnvSpec&) const = default;
};

}  // namespace nnd::backends
