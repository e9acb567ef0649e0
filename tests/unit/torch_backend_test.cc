// The torch backend: zoo models agree with ref on real Fashion-MNIST images, every ONNX
// conformance case whose ops torch converts passes (or is refused with a clear error), bad
// environments and unsupported ops are clear errors, and the ISA caps take effect.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "backends/backend.h"
#include "build_paths.h"
#include "onnx/model_io.h"
#include "onnx/tensor_proto.h"
#include "test_models.h"

namespace nnd {
namespace {

namespace fs = std::filesystem;
using backends::EnvSpec;

std::unique_ptr<backends::Session> prepare(const std::string& env, const Model& model) {
  backends::PrepareRequest request;
  request.env = EnvSpec::parse(env);
  request.label = model.source_path;
  request.model = &model;
  const backends::Backend* backend = backends::find_backend(request.env.framework);
  NND_CHECK(backend != nullptr, "no backend {}", request.env.framework);
  return backend->prepare(request);
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<fs::path> zoo_models() {
  std::vector<fs::path> models;
  for (const auto& entry : fs::directory_iterator(fs::path(nnd::test::zoo_dir())))
    if (entry.path().extension() == ".onnx") models.push_back(entry.path());
  std::sort(models.begin(), models.end());
  return models;
}

std::string run_command(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  NND_CHECK(pipe != nullptr, "cannot run {}", command);
  std::string out;
  std::array<char, 65536> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  pclose(pipe);
  return out;
}

// The first `count` Fashion-MNIST test images, 28x28 bytes each, read from the gzipped IDX file.
std::vector<std::vector<uint8_t>> fashion_images(size_t count) {
  constexpr size_t kHeader = 16, kPixels = size_t{28} * 28;
  const std::string bytes =
      run_command(fmt::format("gzip -dc /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
                              " | head -c {}",
                              kHeader + count * kPixels));
  NND_CHECK(bytes.size() >= kHeader + count * kPixels, "short IDX file: {} bytes", bytes.size());
  std::vector<std::vector<uint8_t>> images;
  for (size_t i = 0; i < count; ++i) {
    const char* p = bytes.data() + kHeader + i * kPixels;
    images.emplace_back(p, p + kPixels);
  }
  return images;
}

// The model card's preprocessing: pixel * scale, then (v - mean) / std.
std::vector<Tensor> zoo_inputs(const fs::path& model,
                               const std::vector<std::vector<uint8_t>>& images) {
  const toml::table card = toml::parse_file((fs::path(model).replace_extension(".toml")).string());
  const double scale = card["scale"].value_or(1.0 / 255);
  const double mean = card["mean"][0].value_or(0.0);
  const double std = card["std"][0].value_or(1.0);
  std::vector<Tensor> inputs;
  for (const auto& image : images) {
    std::vector<float> v;
    v.reserve(image.size());
    for (uint8_t p : image) v.push_back(static_cast<float>((p * scale - mean) / std));
    inputs.push_back(Tensor::of<float>({1, 1, 28, 28}, v));
  }
  // Two handmade inputs: a blank image and random normal noise.
  inputs.push_back(
      Tensor::of<float>({1, 1, 28, 28}, std::vector<float>(784, static_cast<float>(-mean / std))));
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  std::vector<float> noise(784);
  for (float& x : noise) x = normal(rng);
  inputs.push_back(Tensor::of<float>({1, 1, 28, 28}, noise));
  return inputs;
}

size_t argmax(const std::vector<float>& v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

TEST(TorchBackend, ZooModelsAgreeWithRefOnFashionMnistImages) {
  const auto images = fashion_images(30);
  const std::vector<fs::path> models = zoo_models();
  ASSERT_EQ(models.size(), 7u);
  for (const fs::path& path : models) {
    const Model model = onnx_io::load_model(path.string());
    const std::vector<Tensor> inputs = zoo_inputs(path, images);
    auto ref = prepare("ref@cpu:O2", model);
    std::vector<std::vector<float>> wanted;
    for (const Tensor& input : inputs)
      wanted.push_back(ref->run({{"input", input}}).at("logits").to_floats());
    for (const char* env : {"torch@cpu:O2", "torch@cpu:O0", "torch@cpu:O3,threads=2"}) {
      auto torch = prepare(env, model);
      double max_diff = 0;
      int agree = 0;
      for (size_t k = 0; k < inputs.size(); ++k) {
        const Tensor& input = inputs[k];
        const std::vector<float>& want = wanted[k];
        const std::vector<float> got = torch->run({{"input", input}}).at("logits").to_floats();
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i)
          max_diff = std::max(max_diff, static_cast<double>(std::abs(got[i] - want[i])));
        std::vector<float> sorted = want;
        std::sort(sorted.rbegin(), sorted.rend());
        if (sorted[0] - sorted[1] > 1e-3f) {  // a clear winner: the labels must agree
          EXPECT_EQ(argmax(got), argmax(want)) << path.filename() << " on " << env;
          agree += argmax(got) == argmax(want);
        }
      }
      fmt::print("{:<18} {:<23} {} inputs, {} labels agree, max |logit diff| {:.3g}\n",
                 path.filename().string(), env, inputs.size(), agree, max_diff);
      EXPECT_LT(max_diff, 1e-4) << path.filename() << " on " << env;
    }
  }
}

// ---- ONNX conformance cases ----

struct Tolerance {
  double rtol = 1e-3, atol = 1e-5;  // onnx's backend tests use rtol 1e-3
};

std::string compare(const Tensor& got, const Tensor& want, Tolerance tol) {
  if (got.dtype() != want.dtype())
    return fmt::format("dtype {} instead of {}", dtype_name(got.dtype()), dtype_name(want.dtype()));
  if (got.shape() != want.shape())
    return fmt::format("shape {} instead of {}", shape_string(got.shape()),
                       shape_string(want.shape()));
  if (!is_floating(want.dtype()))
    return got.to_int64s() == want.to_int64s() ? "" : "integer values differ";
  const std::vector<double> g = got.to_doubles(), w = want.to_doubles();
  for (size_t i = 0; i < g.size(); ++i) {
    if ((std::isnan(g[i]) && std::isnan(w[i])) || g[i] == w[i]) continue;
    if (std::abs(g[i] - w[i]) <= tol.atol + tol.rtol * std::abs(w[i])) continue;
    return fmt::format("element {} is {} instead of {}", i, g[i], w[i]);
  }
  return {};
}

std::vector<fs::path> numbered(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (int k = 0; fs::exists(dir / fmt::format("{}_{}.pb", prefix, k)); ++k)
    files.push_back(dir / fmt::format("{}_{}.pb", prefix, k));
  return files;
}

// Runs every test data set of a case; returns why it failed, or empty.
std::string run_case(const fs::path& dir, const Model& model, backends::Session& session) {
  std::vector<fs::path> sets;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory() && entry.path().filename().string().starts_with("test_data_set_"))
      sets.push_back(entry.path());
  std::sort(sets.begin(), sets.end());
  for (const fs::path& set : sets) {
    const std::vector<fs::path> in_files = numbered(set, "input"),
                                out_files = numbered(set, "output");
    TensorMap inputs;
    for (size_t k = 0; k < in_files.size() && k < model.graph.inputs.size(); ++k)
      inputs[model.graph.inputs[k].name] = onnx_io::load_tensor_file(in_files[k].string());
    TensorMap outputs;
    outputs = session.run(inputs);
    for (size_t k = 0; k < out_files.size() && k < model.graph.outputs.size(); ++k) {
      const std::string& name = model.graph.outputs[k].name;
      std::string why =
          compare(outputs.at(name), onnx_io::load_tensor_file(out_files[k].string()), {});
      if (!why.empty()) return fmt::format("output '{}': {}", name, why);
    }
  }
  return {};
}

// Cases torch runs but whose expected outputs it does not reproduce, with the reason. Kept exact:
// a case that starts passing must be removed from here.
const std::map<std::string, std::string>& known_differences() {
  static const std::map<std::string, std::string> cases = {};
  return cases;
}

TEST(TorchBackend, ConformanceCasesOfConvertedOpsPassOrAreRefused) {
  const fs::path data = "/usr/share/libonnx-testdata/data";
  if (!fs::exists(data)) GTEST_SKIP() << "libonnx-testdata is not installed";
  const std::vector<std::string> ops = [] {
    std::vector<std::string> v;
    for (const char* op : {
#define X(family, op) #op,
#include "backends/torch/torch_ops.def"
#undef X
         })
      v.emplace_back(op);
    return v;
  }();
  std::map<std::string, std::array<int, 3>> per_op;  // op: passed, refused, failed
  std::map<std::string, std::string> failures, refusals;
  int passed = 0;
  for (const char* suite : {"node", "pytorch-converted", "pytorch-operator"}) {
    std::vector<fs::path> cases;
    for (const auto& entry : fs::directory_iterator(data / suite)) cases.push_back(entry.path());
    std::sort(cases.begin(), cases.end());
    for (const fs::path& dir : cases) {
      onnx_io::ModelSummary summary;
      try {
        summary = onnx_io::summarize_model_file((dir / "model.onnx").string());
      } catch (const UserError&) {
        continue;
      }
      if (!summary.unsupported_types.empty() || summary.op_types.empty()) continue;
      bool supported = true;
      for (const std::string& op : summary.op_types)
        supported = supported && std::find(ops.begin(), ops.end(), op) != ops.end();
      if (!supported) continue;
      Model model;
      try {
        model = onnx_io::load_model((dir / "model.onnx").string());
      } catch (const UserError&) {
        continue;  // libonnx's checker refuses it; not torch's business
      }
      const std::string name = fmt::format("{}/{}", suite, dir.filename().string());
      const std::string op = summary.op_types.size() == 1 ? summary.op_types[0] : "(several)";
      std::unique_ptr<backends::Session> session;
      try {
        session = prepare("torch@cpu:O2", model);
      } catch (const UserError& e) {
        refusals[name] = e.what();
        ++per_op[op][1];
        continue;
      }
      std::string why;
      try {
        why = run_case(dir, model, *session);
      } catch (const UserError& e) {
        // Refusing a feature only a run reveals (e.g. training mode given as an input) is fine.
        if (std::string(e.what()).find("not supported by torch") != std::string::npos) {
          refusals[name] = e.what();
          ++per_op[op][1];
          continue;
        }
        why = e.what();
      }
      if (why.empty()) {
        ++passed;
        ++per_op[op][0];
      } else {
        failures[name] = why;
        ++per_op[op][2];
      }
    }
  }
  std::string table;
  for (const auto& [op, counts] : per_op)
    table += fmt::format("  {:<22} {:>3} passed {:>2} refused {:>2} failed\n", op, counts[0],
                         counts[1], counts[2]);
  fmt::print("torch conformance: {} passed, {} refused, {} failed\n{}", passed, refusals.size(),
             failures.size(), table);
  for (const auto& [name, why] : refusals) fmt::print("  refused {}: {}\n", name, why);
  for (const auto& [name, why] : failures) {
    auto known = known_differences().find(name);
    EXPECT_TRUE(known != known_differences().end()) << name << ": " << why;
  }
  for (const auto& [name, why] : known_differences())
    EXPECT_TRUE(failures.count(name)) << name << " passes now; remove it from known_differences";
  EXPECT_GT(passed, 300);
  // A refusal is one clear line naming the node or op.
  for (const auto& [name, why] : refusals) EXPECT_EQ(why.find('\n'), std::string::npos) << why;
}

// ---- Errors ----

TEST(TorchBackend, UnsupportedOpIsNamedAtPrepare) {
  Model model = testing::conv_relu_model();
  model.graph.nodes[1].op_type = "Mod";
  const std::string why = error_of([&] { prepare("torch@cpu:O2", model); });
  EXPECT_NE(why.find("torch does not run op Mod"), std::string::npos) << why;
}

TEST(TorchBackend, UnsupportedAttributeValueIsNamedAtPrepare) {
  Model model = testing::conv_relu_model();
  Node& relu = model.graph.nodes[1];
  relu.op_type = "Pad";
  relu.attributes["mode"] = Attribute{std::string("wrap")};
  const std::string why = error_of([&] { prepare("torch@cpu:O2", model); });
  EXPECT_NE(why.find("Pad 'relu': mode 'wrap' is not supported by torch"), std::string::npos)
      << why;
}

TEST(TorchBackend, BadEnvironmentsAreClearErrors) {
  const Model model = testing::conv_relu_model();
  EXPECT_NE(error_of([&] { prepare("torch@gpu:O2", model); }).find("torch has no device 'gpu'"),
            std::string::npos);
  const std::string option = error_of([&] { prepare("torch@cpu:O2,fast=1", model); });
  EXPECT_NE(option.find("unknown option 'fast'"), std::string::npos) << option;
  EXPECT_NE(error_of([&] { prepare("torch@cpu:O2,threads=0", model); }).find("threads"),
            std::string::npos);
  const backends::Backend& torch = *backends::find_backend("torch");
  if (!torch.unavailable_reason(EnvSpec::parse("torch@cuda")).empty()) {
    const std::string cuda = error_of([&] { prepare("torch@cuda:O2", model); });
    EXPECT_NE(cuda.find("CUDA"), std::string::npos) << cuda;
  }
  EXPECT_NE(torch.version().find("LibTorch 1."), std::string::npos) << torch.version();
}

TEST(TorchBackend, WrongInputIsAClearError) {
  const Model model = testing::conv_relu_model();
  auto session = prepare("torch@cpu:O2", model);
  const std::string shape = error_of([&] { session->run({{"x", testing::ramp({1, 2, 5, 4})}}); });
  EXPECT_NE(shape.find("input 'x' has shape [1,2,5,4]"), std::string::npos) << shape;
  const std::string missing = error_of([&] { session->run({}); });
  EXPECT_NE(missing.find("input 'x' is missing"), std::string::npos) << missing;
  const Tensor y = session->run({{"x", testing::ramp({1, 2, 4, 4})}}).at("y");
  const Tensor want =
      prepare("ref@cpu:O2", model)->run({{"x", testing::ramp({1, 2, 4, 4})}}).at("y");
  for (int64_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y.at(i), want.at(i), 1e-5);
}

// ---- ISA caps: each needs a fresh process, so the test runs itself as a child ----

// The child: runs one environment on MobileNetV2 and writes the logits' bytes to a file. Only
// runs when the parent test below starts it.
TEST(TorchBackendIsaChild, DISABLED_WritesLogits) {
  const char* env = std::getenv("NNDELTA_TORCH_CHILD_ENV");
  const char* out = std::getenv("NNDELTA_TORCH_CHILD_OUT");
  ASSERT_TRUE(env && out);
  const fs::path path = fs::path(nnd::test::zoo_dir()) / "mobilenetv2.onnx";
  const Model model = onnx_io::load_model(path.string());
  auto session = prepare(env, model);
  // The random-noise input: no need to decompress the data set in every child.
  const Tensor logits = session->run({{"input", zoo_inputs(path, {}).back()}}).at("logits");
  std::ofstream(out, std::ios::binary)
      .write(reinterpret_cast<const char*>(logits.bytes().data()),
             static_cast<std::streamsize>(logits.bytes().size()));
}

TEST(TorchBackend, IsaCapsTakeEffectInAFreshProcess) {
  const backends::Backend& torch = *backends::find_backend("torch");
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  std::map<std::string, std::string> logits;
  for (const char* device : {"cpu", "cpu-sse41", "cpu-avx2", "cpu-avx512"}) {
    const std::string env = fmt::format("torch@{}:O2", device);
    if (!torch.unavailable_reason(EnvSpec::parse(env)).empty()) continue;
    const std::string out = testing::temp_path(std::string(device) + ".bin");
    fs::remove(out);
    const std::string log = run_command(
        fmt::format("ONEDNN_VERBOSE=1 NNDELTA_TORCH_CHILD_ENV={} NNDELTA_TORCH_CHILD_OUT={} {} "
                    "--gtest_also_run_disabled_tests --gtest_filter=TorchBackendIsaChild.* 2>&1",
                    env, out, self));
    std::ifstream file(out, std::ios::binary);
    logits[device] = std::string(std::istreambuf_iterator<char>(file), {});
    ASSERT_EQ(logits[device].size(), 40u) << log;
    // oneDNN says which ISA it dispatches to when its first primitive runs.
    const size_t isa = log.find(",isa:");
    ASSERT_NE(isa, std::string::npos) << log;
    const std::string line = log.substr(isa, log.find('\n', isa) - isa);
    fmt::print("{:<10} oneDNN{}\n", device, line);
    if (std::string(device) == "cpu-sse41") {
      EXPECT_NE(line.find("SSE4.1"), std::string::npos) << line;
    }
    if (std::string(device) == "cpu-avx2") {
      EXPECT_NE(line.find("AVX2"), std::string::npos) << line;
    }
  }
  // Capped or not, the logits stay close; whether their bits differ is printed, not asserted.
  const auto floats = [](const std::string& bytes) {
    std::vector<float> v(bytes.size() / sizeof(float));
    std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
    return v;
  };
  const std::vector<float> native = floats(logits.at("cpu"));
  for (const auto& [device, bytes] : logits) {
    const std::vector<float> v = floats(bytes);
    double diff = 0;
    for (size_t i = 0; i < v.size(); ++i)
      diff = std::max(diff, static_cast<double>(std::abs(v[i] - native[i])));
    fmt::print("{:<10} vs cpu: bits {}, max |diff| {:.3g}\n", device,
               bytes == logits.at("cpu") ? "identical" : "differ", diff);
    EXPECT_LT(diff, 1e-3) << device;
  }
}

TEST(TorchBackend, IsaCapIsFixedPerProcess) {
  const Model model = testing::conv_relu_model();
  prepare("torch@cpu:O2", model);
  const backends::Backend& torch = *backends::find_backend("torch");
  if (!torch.unavailable_reason(EnvSpec::parse("torch@cpu-avx2")).empty())
    GTEST_SKIP() << "no AVX2 here";
  const std::string why = error_of([&] { prepare("torch@cpu-avx2:O2", model); });
  EXPECT_NE(why.find("the ISA cap is fixed per process"), std::string::npos) << why;
}

}  // namespace
}  // namespace nnd
