// Runs the ONNX backend conformance cases that Debian's libonnx-testdata ships through the ref
// interpreter and compares with the expected outputs. Prints one summary line
// `conformance: N passed, M failed, K skipped` and the skip reasons grouped by op.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "onnx/model_io.h"
#include "onnx/tensor_proto.h"
#include "ref/interpreter.h"
#include "worker/env_session.h"

namespace fs = std::filesystem;
using namespace nnd;

namespace {

struct Tolerance {
  double rtol = 1e-4;
  double atol = 1e-5;
};

// Cases whose expected outputs were produced in float32 by numpy/PyTorch with more rounding
// error than 1e-4 relative; the reference computes in double and is the more exact one.
const std::map<std::string, Tolerance>& looser_cases() {
  static const std::map<std::string, Tolerance> cases = {};
  return cases;
}

// An empty string when equal within tolerance, otherwise why not.
std::string compare(const Tensor& got, const Tensor& want, Tolerance tol) {
  if (got.dtype() != want.dtype())
    return fmt::format("dtype {} instead of {}", dtype_name(got.dtype()), dtype_name(want.dtype()));
  if (got.shape() != want.shape())
    return fmt::format("shape {} instead of {}", shape_string(got.shape()),
                       shape_string(want.shape()));
  if (!is_floating(want.dtype())) {
    // Integers compare exactly and as integers: int64 values above 2^53 do not fit a double.
    std::vector<int64_t> g = got.to_int64s(), w = want.to_int64s();
    for (size_t i = 0; i < g.size(); ++i)
      if (g[i] != w[i])
        return fmt::format("element {} is {} instead of {} (and maybe others)", i, g[i], w[i]);
    return {};
  }
  std::vector<double> g = got.to_doubles(), w = want.to_doubles();
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(w[i]) && std::isnan(g[i])) continue;
    if (g[i] == w[i]) continue;
    if (std::abs(g[i] - w[i]) <= tol.atol + tol.rtol * std::abs(w[i])) continue;
    return fmt::format("element {} is {} instead of {} (and maybe others)", i, g[i], w[i]);
  }
  return {};
}

std::vector<fs::path> numbered(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (int k = 0; fs::exists(dir / fmt::format("{}_{}.pb", prefix, k)); ++k)
    files.push_back(dir / fmt::format("{}_{}.pb", prefix, k));
  return files;
}

// Runs models: ref in this process, or any environment through a worker (--env).
class Runner {
 public:
  explicit Runner(std::optional<backends::EnvSpec> env) : env_(std::move(env)) {}
  void load(const Model& model) {
    model_ = &model;
    if (!env_) return;
    try {
      if (session_)
        session_->load(model);
      else
        session_ = std::make_unique<worker::EnvSession>(model, *env_, worker::SessionOptions{});
    } catch (const worker::WorkerFailure& e) {
      session_.reset();
      // A refusal names what the framework lacks; a compiler's internal error or crash is a
      // failure of the case, not a refusal, whatever outcome the worker gave it.
      const std::string what = e.what();
      if (e.outcome == worker::Outcome::kRefused &&
          what.find("internal error") == std::string::npos &&
          what.find("crashed") == std::string::npos)
        throw Refused(what);
      throw;
    }
  }
  TensorMap run(const TensorMap& inputs) {
    if (!env_) return ref::Interpreter(*model_).run(inputs);
    try {
      return session_->infer(inputs).outputs;
    } catch (const worker::WorkerFailure& e) {
      if (e.outcome != worker::Outcome::kFailed) session_.reset();
      throw;
    }
  }
  bool is_ref() const { return !env_; }

  struct Refused : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

 private:
  std::optional<backends::EnvSpec> env_;
  std::unique_ptr<worker::EnvSession> session_;
  const Model* model_ = nullptr;
};

// Runs one case; returns the failure reason or an empty string.
std::string run_case(const fs::path& dir, Tolerance tol, Runner& runner) {
  Model model = onnx_io::load_model((dir / "model.onnx").string());
  runner.load(model);
  std::vector<fs::path> sets;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory() && entry.path().filename().string().starts_with("test_data_set_"))
      sets.push_back(entry.path());
  std::sort(sets.begin(), sets.end());
  for (const fs::path& set : sets) {
    std::vector<fs::path> input_files = numbered(set, "input");
    std::vector<fs::path> output_files = numbered(set, "output");
    ref::TensorMap inputs;
    // Input files follow the order of the graph's non-initializer inputs.
    for (size_t k = 0; k < input_files.size() && k < model.graph.inputs.size(); ++k)
      inputs[model.graph.inputs[k].name] = onnx_io::load_tensor_file(input_files[k].string());
    ref::TensorMap outputs = runner.run(inputs);
    if (output_files.size() != model.graph.outputs.size())
      return fmt::format("{} expected outputs for {} graph outputs", output_files.size(),
                         model.graph.outputs.size());
    for (size_t k = 0; k < output_files.size(); ++k) {
      const std::string& name = model.graph.outputs[k].name;
      std::string why =
          compare(outputs.at(name), onnx_io::load_tensor_file(output_files[k].string()), tol);
      if (!why.empty())
        return fmt::format("{}: output '{}': {}", set.filename().string(), name, why);
    }
  }
  return {};
}

// The op types an ops.def-style list names (`HALIDE_OP(Conv, ...)` lines: the halide compiler's
// op table), so that cases with other ops are skipped without starting the compiler for them.
std::set<std::string> ops_from_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    fmt::print(stderr, "conformance: cannot read {}\n", path);
    std::exit(2);
  }
  std::set<std::string> ops;
  for (std::string line; std::getline(in, line);) {
    const size_t open = line.find('('), comma = line.find(',');
    if (line.rfind("//", 0) == 0 || open == std::string::npos || comma == std::string::npos ||
        comma < open)
      continue;
    ops.insert(line.substr(open + 1, comma - open - 1));
  }
  return ops;
}

// Why a case cannot run at all (an op ref lacks, when checking ref; an op not in `only_ops` when
// given; a value type nndelta does not carry), or empty.
std::string skip_reason(const fs::path& dir, bool check_ref_ops,
                        const std::set<std::string>& only_ops) {
  onnx_io::ModelSummary summary = onnx_io::summarize_model_file((dir / "model.onnx").string());
  Node probe;
  std::vector<std::string> missing;
  for (const std::string& op : summary.op_types) {
    probe.op_type = op;
    if ((check_ref_ops && !ref::supports(probe)) || (!only_ops.empty() && !only_ops.count(op)))
      missing.push_back(op);
  }
  if (!missing.empty()) return fmt::format("op {}", fmt::join(missing, "+"));
  if (!summary.unsupported_types.empty())
    return fmt::format("value type {}", fmt::join(summary.unsupported_types, "+"));
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ONNX backend conformance of the ref interpreter, or of any environment"};
  std::string data = "/usr/share/libonnx-testdata/data";
  std::string env_text, known_failures_file;
  std::vector<std::string> filters;
  bool verbose = false;
  app.add_option("--env", env_text,
                 "run the cases in this environment through a worker (default: ref in-process); "
                 "cases the framework refuses are counted as skipped");
  app.add_option("--data", data, "libonnx-testdata data folder");
  app.add_option("--filter", filters, "only cases whose name contains this (repeatable: any)");
  app.add_flag("--verbose", verbose, "print every case");
  std::string ops_file;
  app.add_option("--ops-file", ops_file,
                 "skip cases with an op this list lacks (HALIDE_OP(Op, ...) lines, e.g. "
                 "src/compiler/lower/ops.def)");
  int min_passed = 0;
  app.add_option("--min-passed", min_passed,
                 "fail unless at least this many cases pass (so that a framework refusing "
                 "everything cannot pass)");
  app.add_option("--known-failures", known_failures_file,
                 "file listing the cases expected to fail (suite/case per line, # comments); the "
                 "run succeeds only if exactly those fail");
  CLI11_PARSE(app, argc, argv);
  std::set<std::string> known_failures, failures;
  if (!known_failures_file.empty()) {
    std::ifstream in(known_failures_file);
    if (!in) {
      fmt::print(stderr, "conformance: cannot read {}\n", known_failures_file);
      return 2;
    }
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] != '#') known_failures.insert(line.substr(0, line.find(' ')));
  }
  const std::set<std::string> only_ops =
      ops_file.empty() ? std::set<std::string>{} : ops_from_file(ops_file);
  std::optional<backends::EnvSpec> env;
  if (!env_text.empty()) env = backends::EnvSpec::parse(env_text);
  Runner runner(env);

  int passed = 0, failed = 0, skipped = 0;
  std::map<std::string, int> skips;
  for (const char* suite : {"node", "pytorch-converted", "pytorch-operator"}) {
    fs::path root = fs::path(data) / suite;
    if (!fs::exists(root)) {
      fmt::print(stderr, "conformance: {} not found (is libonnx-testdata installed?)\n",
                 root.string());
      return 2;
    }
    std::vector<fs::path> cases;
    for (const auto& entry : fs::directory_iterator(root)) {
      const std::string file = entry.path().filename().string();
      if (filters.empty() || std::any_of(filters.begin(), filters.end(), [&](const auto& f) {
            return file.find(f) != std::string::npos;
          }))
        cases.push_back(entry.path());
    }
    std::sort(cases.begin(), cases.end());
    for (const fs::path& dir : cases) {
      std::string name = fmt::format("{}/{}", suite, dir.filename().string());
      std::string skip;
      try {
        skip = skip_reason(dir, runner.is_ref(), only_ops);
      } catch (const std::exception& e) {
        skip = "unreadable model";
      }
      if (!skip.empty()) {
        ++skipped;
        ++skips[skip];
        if (verbose) fmt::print("SKIP {}: {}\n", name, skip);
        continue;
      }
      Tolerance tol;
      if (auto it = looser_cases().find(dir.filename().string()); it != looser_cases().end())
        tol = it->second;
      std::string why;
      try {
        why = run_case(dir, tol, runner);
      } catch (const Runner::Refused& e) {
        ++skipped;
        ++skips["refused by " + env->framework];
        if (verbose) fmt::print("SKIP {}: {}\n", name, e.what());
        continue;
      } catch (const std::exception& e) {
        why = e.what();
      }
      if (why.empty()) {
        ++passed;
        if (verbose) fmt::print("PASS {}\n", name);
      } else {
        ++failed;
        failures.insert(name);
        fmt::print("{} {}: {}\n", known_failures.count(name) ? "FAIL (known)" : "FAIL", name, why);
      }
    }
  }
  fmt::print("conformance{}: {} passed, {} failed, {} skipped\n",
             env ? " of " + env->canonical() : std::string(), passed, failed, skipped);
  std::vector<std::pair<int, std::string>> by_count;
  for (const auto& [reason, n] : skips) by_count.emplace_back(n, reason);
  std::sort(by_count.rbegin(), by_count.rend());
  for (const auto& [n, reason] : by_count) fmt::print("  skipped {:4} for {}\n", n, reason);
  std::vector<std::string> unexpected, fixed;
  std::set_difference(failures.begin(), failures.end(), known_failures.begin(),
                      known_failures.end(), std::back_inserter(unexpected));
  std::set_difference(known_failures.begin(), known_failures.end(), failures.begin(),
                      failures.end(), std::back_inserter(fixed));
  if (!known_failures.empty())
    fmt::print("  {} failures are listed in {}; {} unexpected, {} listed but did not fail{}{}\n",
               failures.size() - unexpected.size(), known_failures_file, unexpected.size(),
               fixed.size(), fixed.empty() ? "" : ": ", fmt::join(fixed, ", "));
  if (passed < min_passed)
    fmt::print("  {} passed, fewer than --min-passed {}\n", passed, min_passed);
  return unexpected.empty() && fixed.empty() && passed >= min_passed ? 0 : 1;
}
