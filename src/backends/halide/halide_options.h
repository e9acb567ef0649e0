#pragma once
// How an environment `halide@DEVICE:Ok,key=value...` compiles a model: the device's Halide target,
// the steps each optimization level turns on, and the options that change them. Shared by the
// compiler executable (which acts on it) and the halide backend (which checks it early and keys
// its cache on it); it needs no Halide library.
//
// Levels (each includes the previous one):
//   O0  one stage per node, computed at root; serial scalar loops; strict_float
//   O1  + fold_bn (BatchNormalization folded into the preceding Conv), fuse (elementwise epilogues
//       computed inside their producer's stage), constant folding
//   O2  + hand schedules per op family: vectorize, tile, unroll, parallel (when threads > 1);
//       float contraction allowed (strict_float off)
//   O3  + autoschedule (Halide's autoscheduler instead of the hand schedules), fast_math
//       (polynomial approximations of exp, sigmoid and tanh)
// Options: threads=N, strict_float=0|1, schedule=manual|mullapudi2016|adams2019, disable=a+b,
// mutate=OPERATOR@POSITION (a loop-level mutant: src/compiler/mutate, docs/mutation.md).
#include <set>
#include <string>
#include <vector>

#include "backends/env_spec.h"

namespace nnd::backends::halide {

// The steps `disable=` may name, in the order the levels add them.
const std::vector<std::string>& step_names();

struct CompileOptions {
  std::string device;  // cpu, cpu-sse41, cpu-avx2, cpu-avx512, opencl, cuda
  int level = 2;
  int threads = 1;
  bool strict_float = false;
  std::string schedule;         // manual, mullapudi2016, adams2019
  std::set<std::string> steps;  // the steps in effect after level and disable=
  std::string mutation;         // a loop-level mutant, "operator@position"; empty: none

  bool has(const std::string& step) const { return steps.count(step) != 0; }
  bool gpu() const { return device == "opencl" || device == "cuda"; }
  // Halide's target string for the device, with strict_float when in effect (no_runtime is the
  // compiler's business).
  std::string target() const;
  // Every option that changes generated code, in one canonical line (a cache key ingredient).
  std::string key() const;
};

// The devices halide knows, in `nndelta envs` order.
const std::vector<std::string>& devices();

// Reads env's level, device and options. An unknown device, key, value or step is a UserError
// naming the environment and the key.
CompileOptions compile_options(const EnvSpec& env);

}  // namespace nnd::backends::halide
