// nndelta compile: compile a model with Halide for one halide environment, and show or keep what
// each stage became (--emit), or write a self-contained bundle for another machine (--bundle).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>

#include "analysis/compare.h"
#include "backends/env_spec.h"
#include "backends/halide/compiler_process.h"
#include "backends/halide/halide_options.h"
#include "backends/transforms.h"
#include "cli/command.h"
#include "core/error.h"
#include "data/session.h"
#include "onnx/model_io.h"

namespace nnd::cli {

namespace {

struct CompileArgs {
  std::string model;
  std::string env;
  std::string emit_dir;
  std::string bundle_dir;
  int bundle_inputs = 100;
};

// The bundle's inputs: dataset images preprocessed by the model's card, one raw float32 file
// each (the graph inputs concatenated in order), named by position so they sort.
void write_bundle_inputs(const CompileArgs& args) {
  if (args.bundle_inputs < 1) fail("--bundle-inputs {} must be at least 1", args.bundle_inputs);
  const data::CardedModel model = data::load_carded_model(args.model);
  data::DatasetSpec spec = analysis::default_dataset(model.card);
  spec.limit = args.bundle_inputs;
  const std::vector<analysis::InputCase> cases = analysis::read_cases(spec, model.card);
  const std::filesystem::path dir = std::filesystem::path(args.bundle_dir) / "inputs";
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(std::filesystem::path(args.bundle_dir) / "outputs");
  std::filesystem::create_directories(dir);
  std::ofstream keys(std::filesystem::path(args.bundle_dir) / "inputs.txt");
  for (size_t i = 0; i < cases.size(); ++i) {
    std::ofstream out(dir / fmt::format("{:06}.bin", i), std::ios::binary);
    for (const ValueInfo& in : model.model.graph.inputs) {
      auto t = cases[i].inputs.find(in.name);
      if (t == cases[i].inputs.end()) continue;  // an initializer with a default
      const Tensor f = t->second.cast(DType::kFloat32);
      out.write(reinterpret_cast<const char*>(f.bytes().data()),
                static_cast<std::streamsize>(f.bytes().size()));
    }
    keys << fmt::format("{:06}.bin {}\n", i, cases[i].key);
  }
}

int compile(const CompileArgs& args) {
  const backends::EnvSpec env = backends::EnvSpec::parse(args.env);
  if (env.framework != "halide")
    fail("environment '{}': nndelta compile compiles halide environments (e.g. halide@cpu:O2)",
         args.env);
  backends::halide::compile_options(env);  // a bad key fails here, before any work
  const Model model = backends::apply_transforms(onnx_io::load_model(args.model), env);
  const backends::halide::Manifest manifest =
      backends::halide::run_compiler({onnx_io::model_to_bytes(model), args.model, env.canonical(),
                                      args.emit_dir, args.bundle_dir, args.bundle_inputs});
  if (!args.bundle_dir.empty()) write_bundle_inputs(args);
  double total = 0;
  int compiled = 0;
  for (const auto& s : manifest.stages) {
    total += s.compile_ms;
    compiled += s.compile_ms > 0;
  }
  fmt::print("{}: {} stages ({} compiled in {:.1f} s, {} from the cache), target {}\n", args.model,
             manifest.stages.size(), compiled, total / 1000, manifest.stages.size() - compiled,
             manifest.target);
  fmt::print("library  {}\n", manifest.library);
  if (!args.emit_dir.empty())
    fmt::print("emitted  {}/ (summary.txt; per stage .stmt, .html, .c, .s{})\n", args.emit_dir,
               env.device == "opencl" ? ", .cl"
               : env.device == "cuda" ? ", .ptx"
                                      : "");
  if (!args.bundle_dir.empty())
    fmt::print("bundle   {}/ (build there with: sh build.sh; see README.txt)\n", args.bundle_dir);
  return 0;
}

}  // namespace

Run add_compile(CLI::App& app) {
  auto args = std::make_shared<CompileArgs>();
  app.add_option("model", args->model, "ONNX model")->required();
  app.add_option("--env", args->env, "a halide environment, e.g. halide@cpu-avx2:O2")->required();
  app.add_option("--emit", args->emit_dir,
                 "write each stage's loop IR (text, HTML), C, assembly, device kernels here");
  app.add_option("--bundle", args->bundle_dir,
                 "write a self-contained folder (static library, main, inputs) to build and run "
                 "on another machine with g++ alone");
  app.add_option("--bundle-inputs", args->bundle_inputs,
                 "dataset images the bundle carries as raw inputs (default 100)");
  return [args] { return compile(*args); };
}

}  // namespace nnd::cli
