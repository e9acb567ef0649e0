// nndelta infer: run one model on one input with the ref framework and show what came out.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "cli/command.h"
#include "core/error.h"
#include "data/feeds.h"
#include "onnx/model_io.h"
#include "onnx/tensor_proto.h"
#include "ref/interpreter.h"

namespace nnd::cli {

namespace {

struct InferOptions {
  std::string model;
  std::string input;
  bool random = false;
  std::string dataset;
  std::vector<std::string> shapes;
  uint64_t seed = 0;
  std::string dump_dir;
  int repeat = 1;
};

ref::TensorMap make_inputs(const Model& model, const InferOptions& options) {
  const std::vector<data::InputSpec> inputs =
      data::model_inputs(model, data::parse_shapes(options.shapes), options.model);
  std::string spec = options.dataset;
  if (options.random) spec = fmt::format("random:1,seed={}", options.seed);
  if (!options.input.empty()) {
    if (std::filesystem::is_directory(options.input)) {
      spec = "pb:" + options.input;
    } else {
      if (inputs.size() != 1)
        fail("{}: has {} inputs; --input gives one, use --dataset pb:DIR, npz:FILE or --random",
             options.model, inputs.size());
      ref::TensorMap one;
      one[inputs.front().name] = onnx_io::load_tensor_file(options.input);
      return one;
    }
  }
  data::DatasetSpec parsed = data::DatasetSpec::parse(spec);
  if (!data::is_feed_spec(parsed))
    fail("--dataset {}: infer takes prepared tensors (npy:, npz:, pb:, random:)", spec);
  std::vector<data::Feed> feeds = data::read_feeds(parsed, inputs);
  if (feeds.empty()) fail("--dataset {}: holds no inputs", spec);
  return feeds.front().inputs;
}

// Value names may contain '/' or ':'; file names may not.
std::string file_name_for(const std::string& value) {
  std::string name = value;
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(c) && c != '.' && c != '-'; },
      '_');
  return name + ".pb";
}

void dump(const ref::TensorMap& values, const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::ofstream index(std::filesystem::path(dir) / "index.tsv");
  if (!index) fail("{}: cannot write index.tsv", dir);
  index << "value\tfile\tdtype\tshape\n";
  for (const auto& [name, tensor] : values) {
    std::string file = file_name_for(name);
    onnx_io::save_tensor_file(tensor, name, (std::filesystem::path(dir) / file).string());
    index << name << '\t' << file << '\t' << dtype_name(tensor.dtype()) << '\t'
          << shape_string(tensor.shape()) << '\n';
  }
}

void print_top5(const Tensor& out) {
  std::vector<double> v = out.to_doubles();
  if (v.empty() || !is_floating(out.dtype())) return;
  // Scores as given, plus softmax probabilities for outputs that are logits of one image.
  double peak = *std::max_element(v.begin(), v.end());
  double total = 0;
  for (double x : v) total += std::exp(x - peak);
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  size_t k = std::min<size_t>(5, v.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<long>(k), order.end(),
                    [&](size_t a, size_t b) { return v[a] > v[b]; });
  for (size_t i = 0; i < k; ++i)
    fmt::print("    #{} class {:>4}  score {:>12.6f}  softmax {:.4f}\n", i + 1, order[i],
               v[order[i]], std::exp(v[order[i]] - peak) / total);
}

int run_infer(const InferOptions& options) {
  if (options.random + !options.input.empty() + !options.dataset.empty() != 1)
    fail("infer: give exactly one of --input FILE or --random (or --input DIR, --dataset SPEC)");
  Model model = onnx_io::load_model(options.model);
  ref::Interpreter interpreter(model);
  ref::TensorMap inputs = make_inputs(model, options);
  bool keep = !options.dump_dir.empty();

  std::vector<double> ms;
  ref::TensorMap outputs;
  for (int r = 0; r < options.repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    outputs = interpreter.run(inputs, keep);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());

  fmt::print("model   {} (opset {}, {} nodes)\n", options.model, model.opset(),
             model.graph.nodes.size());
  for (const auto& [name, tensor] : inputs)
    fmt::print("input   {} {} {}\n", name, dtype_name(tensor.dtype()),
               shape_string(tensor.shape()));
  for (const ValueInfo& out : model.graph.outputs) {
    const Tensor& t = outputs.at(out.name);
    fmt::print("output  {} {} {}\n", out.name, dtype_name(t.dtype()), shape_string(t.shape()));
    print_top5(t);
  }
  fmt::print("latency {:.3f} ms (ref, median of {} run{})\n", ms[ms.size() / 2], ms.size(),
             ms.size() > 1 ? "s" : "");
  if (keep) {
    dump(outputs, options.dump_dir);
    fmt::print("dumped  {} tensors to {}\n", outputs.size(), options.dump_dir);
  }
  return 0;
}

}  // namespace

Run add_infer(CLI::App& app) {
  auto options = std::make_shared<InferOptions>();
  app.add_option("model", options->model, "ONNX model file")->required();
  app.add_option("--input", options->input,
                 "input tensor file (serialized ONNX TensorProto), or a folder of them");
  app.add_option("--dataset", options->dataset,
                 "prepared inputs: npy:FILE, npz:FILE (by input name), pb:DIR, random:N[,seed=S]; "
                 "the first input set is run");
  app.add_flag("--random", options->random, "feed normally distributed random inputs");
  app.add_option("--shape", options->shapes,
                 "shape of an input the model leaves symbolic, NAME:1x3x224x224 (repeatable)");
  app.add_option("--seed", options->seed, "seed for --random")->capture_default_str();
  app.add_option("--dump-intermediates", options->dump_dir,
                 "write every intermediate tensor (TensorProto .pb) and index.tsv to DIR");
  app.add_option("--repeat", options->repeat, "runs to time (the median is shown)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  return [options] { return run_infer(*options); };
}

}  // namespace nnd::cli
