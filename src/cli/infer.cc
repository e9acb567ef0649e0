// nndelta infer: run one model on one input with the ref framework and show what came out.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

#include "cli/command.h"
#include "core/error.h"
#include "onnx/model_io.h"
#include "onnx/tensor_proto.h"
#include "ref/interpreter.h"

namespace nnd::cli {

namespace {

struct InferOptions {
  std::string model;
  std::string input;
  bool random = false;
  uint64_t seed = 0;
  std::string dump_dir;
  int repeat = 1;
};

Tensor random_input(const ValueInfo& info, std::mt19937_64& rng) {
  if (!info.dims) fail("input '{}' has no known rank; give it with --input", info.name);
  Shape shape;
  for (const Dim& d : *info.dims) shape.push_back(d.known() ? d.value : 1);  // symbolic: batch 1
  DType dtype = info.dtype.value_or(DType::kFloat32);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> values(static_cast<size_t>(element_count(shape)));
  for (double& v : values) v = normal(rng);
  return Tensor::from_doubles(dtype, shape, values);
}

ref::TensorMap make_inputs(const Model& model, const InferOptions& options) {
  ref::TensorMap inputs;
  if (options.random) {
    std::mt19937_64 rng(options.seed);
    for (const ValueInfo& in : model.graph.inputs) inputs[in.name] = random_input(in, rng);
    return inputs;
  }
  if (model.graph.inputs.size() != 1)
    fail("{}: has {} inputs; --input gives one, use --random", options.model,
         model.graph.inputs.size());
  inputs[model.graph.inputs.front().name] = onnx_io::load_tensor_file(options.input);
  return inputs;
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
  if (options.random == !options.input.empty())
    fail("infer: give exactly one of --input FILE or --random");
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
  app.add_option("--input", options->input, "input tensor file (serialized ONNX TensorProto)");
  app.add_flag("--random", options->random, "feed normally distributed random inputs");
  app.add_option("--seed", options->seed, "seed for --random")->capture_default_str();
  app.add_option("--dump-intermediates", options->dump_dir,
                 "write every intermediate tensor (TensorProto .pb) and index.tsv to DIR");
  app.add_option("--repeat", options->repeat, "runs to time (the median is shown)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  return [options] { return run_infer(*options); };
}

}  // namespace nnd::cli
