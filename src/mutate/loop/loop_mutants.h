#pragma once
// Loop-level mutants from nndelta's side: the halide compiler (a separate process) finds their
// sites and applies them (src/compiler/mutate); an environment `halide@...,mutate=ID` runs one.
// Sites are counted in the loop IR of the environment they run in: a level or device whose
// schedule makes other loops has other sites (docs/mutation.md).
#include <map>
#include <string>
#include <vector>

#include "backends/env_spec.h"
#include "core/graph.h"
#include "mutate/spec.h"

namespace nnd::mutate::loop {

// Per loop-level operator id, its sites in the model compiled for `env` (a halide environment;
// anything else is a UserError).
std::map<std::string, std::vector<std::string>> loop_sites(const Model& model,
                                                           const backends::EnvSpec& env);

struct LoopMutantBuild {
  std::vector<std::string> where;  // the sites changed
  bool ir_changed = false;         // false: not a mutant (its loop IR equals the original's)
};

// Compiles the mutant for `env` (a position past the last site is a UserError naming both);
// with emit_dir, writes what each stage became there as `nndelta compile --emit` does.
LoopMutantBuild build_loop_mutant(const Model& model, const backends::EnvSpec& env,
                                  const MutantSpec& spec, const std::string& emit_dir = {});

// `env` running mutant `id`.
backends::EnvSpec with_mutation(backends::EnvSpec env, const std::string& id);

// The loop IR and generated-source diff of a mutant against the original, per stage it changed:
// compiles both with --emit into `work_dir` and diffs the .stmt and the .c (.cl/.ptx on GPUs).
std::string loop_mutant_diff(const Model& model, const backends::EnvSpec& env,
                             const MutantSpec& spec, const std::string& work_dir);

}  // namespace nnd::mutate::loop
