// The halide device matrix (issue 12, docs/devices.md): every zoo model x level x device, top-1
// agreement with ref on Fashion-MNIST test images, and where the devices differ from each other
// in bits: for each model and level, every device's logits against plain `cpu`'s (how many of
// the images x 10 logits differ in any bit, the largest |dlogit|, the images whose top-1 differs).
// Prints markdown tables; not a test (it compiles 140 environments: tens of minutes here).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include "backends/env_spec.h"
#include "data/dataset.h"
#include "data/evaluate.h"
#include "data/session.h"
#include "ref/interpreter.h"
#include "worker/env_session.h"
#include "worker/launch.h"

namespace fs = std::filesystem;
using namespace nnd;

namespace {

// Workers start slowly on a loaded machine (a LibTorch worker under other builds): wait longer
// than a campaign would for the first reply.
worker::SessionOptions session_options() {
  worker::SessionOptions options;
  options.timeouts.hello = std::chrono::milliseconds(120'000);
  return options;
}

size_t argmax(const std::vector<float>& v, size_t begin, size_t n) {
  return static_cast<size_t>(std::max_element(v.begin() + static_cast<ptrdiff_t>(begin),
                                              v.begin() + static_cast<ptrdiff_t>(begin + n)) -
                             v.begin() - static_cast<ptrdiff_t>(begin));
}

// One environment's outputs on every image, flattened, or the reason it has none.
struct Run {
  std::vector<float> logits;
  size_t agree = 0;
  double ms = 0;
  std::string error;
};

struct BitDiff {
  size_t different_values = 0, different_top1 = 0;
  double max_abs = 0;
};

BitDiff bit_diff(const Run& a, const Run& b, size_t per_image) {
  BitDiff d;
  for (size_t i = 0; i < a.logits.size(); ++i) {
    if (std::memcmp(&a.logits[i], &b.logits[i], sizeof(float)) != 0) ++d.different_values;
    d.max_abs = std::max(d.max_abs, std::abs(double(a.logits[i]) - double(b.logits[i])));
  }
  for (size_t i = 0; i < a.logits.size() / per_image; ++i)
    d.different_top1 +=
        argmax(a.logits, i * per_image, per_image) != argmax(b.logits, i * per_image, per_image);
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "halide: zoo models x levels x devices against ref, and the devices' bit differences"};
  size_t images = 1000;
  std::vector<std::string> models,
      devices = {"cpu", "cpu-sse41", "cpu-avx2", "cpu-avx512", "opencl"};
  std::vector<int> levels = {0, 1, 2, 3};
  std::string extra;
  app.add_option("--images", images, "Fashion-MNIST test images per model")->capture_default_str();
  app.add_option("--model", models, "zoo model names (default: all)");
  app.add_option("--device", devices, "halide devices")->capture_default_str();
  app.add_option("--level", levels, "optimization levels")->capture_default_str();
  app.add_option("--keys", extra, "extra environment keys, e.g. strict_float=1");
  CLI11_PARSE(app, argc, argv);

  const fs::path zoo = fs::path(worker::home_dir()) / "zoo";
  if (models.empty())
    for (const auto& entry : fs::directory_iterator(zoo))
      if (entry.path().extension() == ".onnx") models.push_back(entry.path().stem().string());
  std::sort(models.begin(), models.end());
  auto dataset = data::open_dataset(
      data::DatasetSpec::parse(fmt::format("fashion-mnist:test,limit={}", images)));

  std::vector<std::string> agreement_rows, bits_rows;
  for (const std::string& name : models) {
    data::CardedModel model = data::load_carded_model((zoo / (name + ".onnx")).string());
    std::vector<TensorMap> inputs;
    std::vector<size_t> want;
    ref::Interpreter interpreter(model.model);
    for (size_t i = 0; i < dataset->size(); ++i) {
      inputs.push_back({{model.card.input, data::model_input(dataset->item(i), model.card)}});
      std::vector<double> v = interpreter.run(inputs.back()).at(model.card.output).to_doubles();
      want.push_back(static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin()));
    }
    for (int level : levels) {
      std::map<std::string, Run> runs;
      size_t per_image = 0;
      for (const std::string& device : devices) {
        std::string text =
            fmt::format("halide@{}:O{}{}{}", device, level, extra.empty() ? "" : ",", extra);
        Run& run = runs[device];
        try {
          worker::EnvSession session(model.model, backends::EnvSpec::parse(text),
                                     session_options());
          uint64_t ns = 0;
          for (size_t i = 0; i < inputs.size(); ++i) {
            worker::InferResult got = session.infer(inputs[i]);
            std::vector<double> v = got.outputs.at(model.card.output).to_doubles();
            per_image = v.size();
            ns += got.latency_ns;
            run.agree +=
                static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin()) == want[i];
            for (double x : v) run.logits.push_back(static_cast<float>(x));
          }
          run.ms = static_cast<double>(ns) / 1e6 / static_cast<double>(inputs.size());
        } catch (const std::exception& e) {
          run.error = e.what();
          run.logits.clear();
        }
        fmt::print(stderr, "{} {}: {}/{} {:.3f} ms {}\n", name, text, run.agree, inputs.size(),
                   run.ms, run.error);
      }
      std::string row = fmt::format("| {} | O{} |", name, level);
      for (const std::string& device : devices) {
        const Run& r = runs[device];
        row += r.error.empty()
                   ? fmt::format(" {:.1f}% |", 100.0 * double(r.agree) / double(inputs.size()))
                   : fmt::format(" error: {} |", r.error);
      }
      agreement_rows.push_back(row);
      std::string bits = fmt::format("| {} | O{} |", name, level);
      const Run& base = runs[devices.front()];
      for (size_t k = 1; k < devices.size(); ++k) {
        const Run& r = runs[devices[k]];
        if (!base.error.empty() || !r.error.empty()) {
          bits += " - |";
          continue;
        }
        BitDiff d = bit_diff(base, r, per_image);
        bits += d.different_values == 0
                    ? " identical |"
                    : fmt::format(" {}/{} values, max {:.2g}, {} top-1 |", d.different_values,
                                  base.logits.size(), d.max_abs, d.different_top1);
      }
      bits_rows.push_back(bits);
      fmt::print("{}\n{}\n", agreement_rows.back(), bits_rows.back());
      std::fflush(stdout);
    }
  }
  fmt::print("\n## top-1 agreement with ref ({} images)\n\n| model | level |", images);
  for (const std::string& d : devices) fmt::print(" {} |", d);
  fmt::print("\n|---|---|");
  for (size_t k = 0; k < devices.size(); ++k) fmt::print("---|");
  fmt::print("\n");
  for (const std::string& r : agreement_rows) fmt::print("{}\n", r);
  fmt::print(
      "\n## logits against {} (bit-different values, largest |dlogit|, images whose top-1 "
      "differs)\n\n| model | level |",
      devices.front());
  for (size_t k = 1; k < devices.size(); ++k) fmt::print(" {} |", devices[k]);
  fmt::print("\n|---|---|");
  for (size_t k = 1; k < devices.size(); ++k) fmt::print("---|");
  fmt::print("\n");
  for (const std::string& r : bits_rows) fmt::print("{}\n", r);
  return 0;
}
