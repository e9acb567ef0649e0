#include "mutate/loop/loop_mutants.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "backends/halide/compiler_process.h"
#include "backends/transforms.h"
#include "core/error.h"
#include "core/line_diff.h"
#include "onnx/model_io.h"

namespace fs = std::filesystem;

namespace nnd::mutate::loop {

namespace {

backends::halide::Manifest compile(const Model& model, const backends::EnvSpec& env,
                                   const std::string& emit_dir) {
  if (env.framework != "halide")
    fail("environment '{}': loop-level mutants apply to halide environments only", env.canonical());
  const Model transformed = backends::apply_transforms(model, env);
  return backends::halide::run_compiler(
      {onnx_io::model_to_bytes(transformed), model.source_path, env.canonical(), emit_dir, "", 0});
}

// Generated code names its temporaries by a per-process counter (_123, t45, f$6): without the
// numbers, a mutant's code lines up with the original's line for line.
std::vector<std::string> comparable_lines(const fs::path& file) {
  static const std::regex numbered(R"(\b_[0-9]+\b|\bt[0-9]+\b)");
  static const std::regex suffix(R"(\$[0-9]+|__[0-9]+|_[0-9]+\b|(nnd_)[0-9a-f]{24})");
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> out;
  for (const std::string& line : split_lines(text.str()))
    out.push_back(std::regex_replace(std::regex_replace(line, numbered, "_#"), suffix, "$1"));
  return out;
}

}  // namespace

std::map<std::string, std::vector<std::string>> loop_sites(const Model& model,
                                                           const backends::EnvSpec& env) {
  backends::EnvSpec plain = env;
  plain.options.erase("mutate");
  return compile(model, plain, "").loop_sites;
}

backends::EnvSpec with_mutation(backends::EnvSpec env, const std::string& id) {
  env.options["mutate"] = id;
  return env;
}

LoopMutantBuild build_loop_mutant(const Model& model, const backends::EnvSpec& env,
                                  const MutantSpec& spec, const std::string& emit_dir) {
  const backends::halide::Manifest m = compile(model, with_mutation(env, spec.id()), emit_dir);
  return {m.mutation.where, m.mutation.ir_changed};
}

std::string loop_mutant_diff(const Model& model, const backends::EnvSpec& env,
                             const MutantSpec& spec, const std::string& work_dir) {
  const fs::path original_dir = fs::path(work_dir) / "original";
  const fs::path mutant_dir = fs::path(work_dir) / "mutant";
  fs::remove_all(original_dir);
  fs::remove_all(mutant_dir);
  backends::EnvSpec plain = env;
  plain.options.erase("mutate");
  const backends::halide::Manifest before = compile(model, plain, original_dir.string());
  const backends::halide::Manifest after =
      compile(model, with_mutation(env, spec.id()), mutant_dir.string());
  const char* device_source = env.device == "opencl" ? ".cl" : env.device == "cuda" ? ".ptx" : "";
  std::string out;
  for (size_t i = 0; i < before.stages.size() && i < after.stages.size(); ++i) {
    if (before.stages[i].object_key == after.stages[i].object_key) continue;
    const std::string stem = fmt::format("stage{:03}", i);
    out += fmt::format("stage {} ({}): {}\n", i, fmt::join(after.stages[i].nodes, " + "),
                       mutant_dir.string());
    for (const char* ext : {".stmt", ".c", device_source}) {
      if (!*ext) continue;
      const std::string diff = line_diff(comparable_lines(original_dir / (stem + ext)),
                                         comparable_lines(mutant_dir / (stem + ext)));
      out += fmt::format("--- {}{} (original)  +++ (mutant)\n{}", stem, ext,
                         diff.empty() ? "  (no difference)\n" : diff);
    }
  }
  return out;
}

}  // namespace nnd::mutate::loop
