// nndelta-halide: the only program that links libHalide. It compiles an ONNX model for one
// halide environment into a shared library (cached) and writes the manifest the halide backend
// runs it from. Kept out of nndelta and its workers: libHalide's LLVM 14 crashes PoCL's LLVM 15
// in a shared process, and a compiler crash must not take a campaign with it.
//
//   nndelta-halide --model M.onnx --env halide@cpu:O2 --manifest OUT.json [--cache DIR]
//                  [--emit DIR]
// Exit codes: 0 compiled; 2 the model, environment or compile failed (one line on stderr).
#include <Halide.h>
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "backends/env_spec.h"
#include "backends/halide/halide_options.h"
#include "compiler/compile_model.h"
#include "core/error.h"
#include "onnx/model_io.h"

int main(int argc, char** argv) {
  CLI::App app{"nndelta-halide: compiles an ONNX model with Halide for one environment"};
  std::string model_path, env_text, manifest_path, cache_dir, emit_dir, bundle_dir;
  int bundle_inputs = 0;
  app.add_option("--model", model_path, "ONNX model")->required();
  app.add_option("--env", env_text, "environment, e.g. halide@cpu:O2")->required();
  app.add_option("--manifest", manifest_path, "where to write the manifest (JSON)");
  app.add_option("--cache", cache_dir,
                 "compile cache folder (default: $NNDELTA_CACHE_DIR or ~/.cache/nndelta/halide)");
  app.add_option("--emit", emit_dir, "write each stage's loop IR, C, assembly and kernels here");
  app.add_option("--bundle", bundle_dir,
                 "write a self-contained folder to run the model elsewhere");
  app.add_option("--bundle-inputs", bundle_inputs, "(written by nndelta compile, not here)");
  CLI11_PARSE(app, argc, argv);
  try {
    const nnd::backends::EnvSpec env = nnd::backends::EnvSpec::parse(env_text);
    if (env.framework != "halide")
      nnd::fail("environment '{}': nndelta-halide compiles halide environments only", env_text);
    const auto options = nnd::backends::halide::compile_options(env);
    const nnd::Model model = nnd::onnx_io::load_model(model_path);
    const nnd::compiler::Cache cache(cache_dir.empty() ? nnd::compiler::Cache::default_root()
                                                       : cache_dir);
    const auto manifest =
        nnd::compiler::compile_model(model, options, cache, {emit_dir, bundle_dir});
    if (!bundle_dir.empty())
      std::filesystem::copy_file(model_path, std::filesystem::path(bundle_dir) / "model.onnx",
                                 std::filesystem::copy_options::overwrite_existing);
    if (!manifest_path.empty()) {
      const std::string tmp = manifest_path + ".tmp";
      std::ofstream(tmp) << nnd::backends::halide::manifest_to_json(manifest);
      std::rename(tmp.c_str(), manifest_path.c_str());
    }
    return 0;
  } catch (const nnd::UserError& e) {
    std::cerr << "nndelta-halide: error: " << e.what() << "\n";
    return 2;
  } catch (const Halide::CompileError& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    std::cerr << "nndelta-halide: error: " << model_path
              << ": Halide refused the pipeline: " << what << "\n";
    return 2;
  } catch (const Halide::Error& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    std::cerr << "nndelta-halide: error: " << model_path << ": Halide failed: " << what << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "nndelta-halide: internal error: " << e.what() << "\n";
    return 70;
  }
}
