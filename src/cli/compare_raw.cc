// nndelta compare-raw: checks the outputs a bundle's run_model wrote on another machine (nndelta
// compile --bundle) against the ref framework on the same inputs: top-1 agreement, errors, and the
// latencies run_model measured there.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "cli/command.h"
#include "core/error.h"
#include "onnx/model_io.h"
#include "ref/interpreter.h"

namespace fs = std::filesystem;

namespace nnd::cli {

namespace {

struct CompareRawArgs {
  std::string bundle;
  double atol = 1e-5, rtol = 1e-5;
};

std::vector<float> read_floats(const fs::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) fail("{}: cannot open", path.string());
  std::vector<float> v(static_cast<size_t>(in.tellg()) / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()),
          static_cast<std::streamsize>(v.size() * sizeof(float)));
  return v;
}

size_t argmax(const float* p, size_t n) {
  return static_cast<size_t>(std::max_element(p, p + n) - p);
}

int compare_raw(const CompareRawArgs& args) {
  const fs::path dir(args.bundle);
  const Model model = onnx_io::load_model((dir / "model.onnx").string());
  const ref::Interpreter interpreter(model);
  std::vector<std::string> files;
  if (!fs::is_directory(dir / "outputs"))
    fail("{}: no outputs/ folder: run the bundle's run_model first", (dir / "outputs").string());
  for (const auto& e : fs::directory_iterator(dir / "outputs"))
    files.push_back(e.path().filename());
  std::sort(files.begin(), files.end());
  if (files.empty()) fail("{}: outputs/ is empty", dir.string());

  size_t flips = 0, beyond = 0, elements = 0;
  double max_abs = 0;
  for (const std::string& file : files) {
    const std::vector<float> input = read_floats(dir / "inputs" / file);
    const std::vector<float> output = read_floats(dir / "outputs" / file);
    TensorMap inputs;
    size_t at = 0;
    for (const ValueInfo& in : model.graph.inputs) {
      if (model.graph.initializers.count(in.name)) continue;
      std::optional<Shape> shape = in.static_shape();
      if (!shape) fail("{}: input '{}' has no static shape", args.bundle, in.name);
      Tensor t(DType::kFloat32, *shape);
      if (at + t.size() > input.size())
        fail("{}: shorter than the model's inputs", (dir / "inputs" / file).string());
      std::copy(input.begin() + at, input.begin() + at + t.size(), t.data<float>());
      at += t.size();
      inputs[in.name] = t;
    }
    const TensorMap expected = interpreter.run(inputs);
    at = 0;
    for (size_t o = 0; o < model.graph.outputs.size(); ++o) {
      const std::vector<float> ref = expected.at(model.graph.outputs[o].name).to_floats();
      if (at + ref.size() > output.size())
        fail("{}: shorter than the model's outputs", (dir / "outputs" / file).string());
      const float* got = output.data() + at;
      if (o == 0 && argmax(got, ref.size()) != argmax(ref.data(), ref.size())) ++flips;
      for (size_t i = 0; i < ref.size(); ++i) {
        const double err = std::abs(static_cast<double>(got[i]) - ref[i]);
        max_abs = std::max(max_abs, std::isnan(err) ? INFINITY : err);
        beyond += !(err <= args.atol || err <= args.rtol * std::abs(static_cast<double>(ref[i])));
      }
      elements += ref.size();
      at += ref.size();
    }
  }
  std::vector<double> latencies;
  std::ifstream lat(dir / "latency.txt");
  std::string name;
  for (double ms; lat >> name >> ms;) latencies.push_back(ms);
  std::sort(latencies.begin(), latencies.end());
  fmt::print(
      "{} inputs: {} top-1 flips against ref ({:.2f}%), max abs error {:.3g}, {} of {} "
      "output elements beyond atol {} / rtol {}\n",
      files.size(), flips, 100.0 * flips / files.size(), max_abs, beyond, elements, args.atol,
      args.rtol);
  if (!latencies.empty())
    fmt::print(
        "latency on the bundle's machine: median {:.3f} ms, min {:.3f} ms, max {:.3f} ms ({} "
        "runs)\n",
        latencies[latencies.size() / 2], latencies.front(), latencies.back(), latencies.size());
  return flips == 0 && beyond == 0 ? 0 : 1;
}

}  // namespace

Run add_compare_raw(CLI::App& app) {
  auto args = std::make_shared<CompareRawArgs>();
  app.add_option("--bundle", args->bundle, "a bundle folder whose run_model has run")->required();
  app.add_option("--atol", args->atol, "absolute tolerance (default 1e-5)");
  app.add_option("--rtol", args->rtol, "relative tolerance (default 1e-5)");
  return [args] { return compare_raw(*args); };
}

}  // namespace nnd::cli
