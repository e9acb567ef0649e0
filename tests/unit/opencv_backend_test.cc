// The opencv framework against the ref oracle on the zoo, its refusals, its devices (ISA caps in a
// child process started with the backend's worker environment, OpenCL on PoCL), its errors, and
// how much of the ONNX conformance suite it passes.
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "backends/backend.h"
#include "backends/opencv/opencv_devices.h"
#include "build_paths.h"
#include "core/dtype.h"
#include "onnx/model_io.h"
#include "onnx/tensor_proto.h"
#include "ref/interpreter.h"
#include "test_models.h"

extern char** environ;

namespace nnd {
namespace {

using backends::EnvSpec;
using backends::PrepareRequest;
using backends::Session;

const std::string kZoo = nnd::test::zoo_dir();
// The zoo models OpenCV 4.6 imports, and those it refuses (Clip with min/max inputs, i.e. the
// opset >= 11 ReLU6 of MobileNetV2 and EfficientNet-lite). A change in either list is news.
const std::vector<std::string> kImported = {"alexnet", "densenet", "inception", "resnet",
                                            "shufflenet"};
const std::vector<std::string> kRefused = {"efficientnet", "mobilenetv2"};
// Largest |opencv - ref| on a logit seen over every imported zoo model, input, level and device
// was 3e-6 (logits are of order 10): float32 accumulation against ref's double.
constexpr double kLogitTolerance = 1e-4;

struct ZooModel {
  std::string label;
  std::string bytes;
  Model model;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

ZooModel load_zoo(const std::string& name) {
  std::string path = kZoo + name + ".onnx";
  std::string bytes = read_file(path);
  Model model = onnx_io::model_from_bytes(bytes, path);
  return {"zoo/" + name + ".onnx", bytes, model};
}

std::unique_ptr<Session> prepare(const std::string& env, const ZooModel& m, int threads = 1) {
  PrepareRequest request;
  request.env = EnvSpec::parse(env);
  request.label = m.label;
  request.onnx = m.bytes;
  request.model = &m.model;
  request.threads = threads;
  const backends::Backend* backend = backends::find_backend(request.env.framework);
  NND_CHECK(backend != nullptr, "no backend for {}", env);
  return backend->prepare(request);
}

const backends::Backend& opencv() { return *backends::find_backend("opencv"); }

Tensor random_image(std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(28 * 28);
  for (float& x : v) x = normal(rng);
  return Tensor::of<float>({1, 1, 28, 28}, v);
}

// The first `count` Fashion-MNIST test images, normalized as every zoo card says
// (scale 1/255, mean 0.2860, std 0.3530). Reads the gzipped IDX file directly.
std::vector<Tensor> fashion_mnist_images(int count) {
  const char* path = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  gzFile file = gzopen(path, "rb");
  if (!file) return {};
  unsigned char header[16];
  std::vector<unsigned char> pixels(static_cast<size_t>(count) * 28 * 28);
  bool ok = gzread(file, header, sizeof header) == sizeof header && header[2] == 0x08 &&
            header[3] == 0x03 &&
            gzread(file, pixels.data(), static_cast<unsigned>(pixels.size())) ==
                static_cast<int>(pixels.size());
  gzclose(file);
  if (!ok) return {};
  std::vector<Tensor> images;
  for (int i = 0; i < count; ++i) {
    std::vector<float> v(28 * 28);
    for (size_t p = 0; p < v.size(); ++p)
      v[p] = (pixels[i * v.size() + p] / 255.0f - 0.2860f) / 0.3530f;
    images.push_back(Tensor::of<float>({1, 1, 28, 28}, v));
  }
  return images;
}

// 16 random normal images and 16 real ones.
std::vector<Tensor> test_images() {
  std::mt19937_64 rng(7);
  std::vector<Tensor> images;
  for (int i = 0; i < 16; ++i) images.push_back(random_image(rng));
  std::vector<Tensor> real = fashion_mnist_images(16);
  EXPECT_EQ(real.size(), 16u) << "Fashion-MNIST test images not readable";
  images.insert(images.end(), real.begin(), real.end());
  return images;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  std::vector<double> x = a.to_doubles(), y = b.to_doubles();
  if (x.size() != y.size()) return INFINITY;
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

size_t argmax(const std::vector<double>& v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// The gap between the two largest logits: below the tolerance, argmax may differ honestly.
double top2_gap(std::vector<double> v) {
  std::sort(v.rbegin(), v.rend());
  return v[0] - v[1];
}

template <typename Fn>
std::string user_error_of(Fn&& fn) {
  try {
    fn();
  } catch (const UserError& e) {
    std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    return what;
  }
  ADD_FAILURE() << "no UserError";
  return {};
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

TEST(OpenCvZoo, ImportedModelsAgreeWithRefAtO2AndO0) {
  std::vector<Tensor> images = test_images();
  for (const std::string& name : kImported) {
    ZooModel m = load_zoo(name);
    ref::Interpreter oracle(m.model);
    auto fused = prepare("opencv@cpu:O2", m);
    auto unfused = prepare("opencv@cpu:O0", m);
    EXPECT_CONTAINS(fused->description(), "layer fusion on");
    EXPECT_CONTAINS(unfused->description(), "layer fusion off");
    double worst = 0;
    for (const Tensor& image : images) {
      TensorMap in{{"input", image}};
      std::vector<double> expected = oracle.run(in).at("logits").to_doubles();
      for (Session* session : {fused.get(), unfused.get()}) {
        Tensor got = session->run(in).at("logits");
        ASSERT_EQ(got.shape(), (Shape{1, 10})) << name;
        double diff = max_abs_diff(got, Tensor::from_doubles(DType::kFloat64, {1, 10}, expected));
        worst = std::max(worst, diff);
        EXPECT_LE(diff, kLogitTolerance) << name;
        if (top2_gap(expected) > kLogitTolerance) {
          EXPECT_EQ(argmax(got.to_doubles()), argmax(expected)) << name;
        }
      }
    }
    std::printf("opencv@cpu:O2/O0 vs ref on %s: max |logit diff| %.3g over %zu images\n",
                name.c_str(), worst, images.size());
  }
}

TEST(OpenCvZoo, RefusedModelsGiveOneLineWithOpenCvsOwnMessage) {
  std::vector<std::string> refused;
  for (const auto& entry : std::filesystem::directory_iterator(kZoo)) {
    if (entry.path().extension() != ".onnx") continue;
    std::string name = entry.path().stem().string();
    ZooModel m = load_zoo(name);
    try {
      prepare("opencv@cpu:O2", m);
    } catch (const UserError& e) {
      std::string what = e.what();
      refused.push_back(name);
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      EXPECT_EQ(what.rfind("opencv@cpu:O2: zoo/" + name + ".onnx: OpenCV refused the model: ", 0),
                0u)
          << what;
      // OpenCV's importer names the node and the check that failed.
      EXPECT_CONTAINS(what, "Node [Clip@ai.onnx]");
      EXPECT_CONTAINS(what, "(expected: 'node_proto.input_size() == 1')");
      EXPECT_CONTAINS(what, "'node_proto.input_size()' is 3");
    }
  }
  std::sort(refused.begin(), refused.end());
  EXPECT_EQ(refused, kRefused);
}

TEST(OpenCvIntermediates, ReturnsEveryGraphOutputTheParentAppended) {
  ZooModel m = load_zoo("resnet");
  // What worker/expose.h does: every Relu and Add output becomes an extra graph output.
  Model exposed = m.model;
  for (const Node& node : exposed.graph.nodes)
    if (node.op_type == "Relu" || node.op_type == "Add") {
      const ValueInfo* info = exposed.graph.find_value_info(node.outputs[0]);
      ASSERT_NE(info, nullptr) << node.outputs[0];
      exposed.graph.outputs.push_back(*info);
    }
  ASSERT_EQ(exposed.graph.outputs.size(), 1u + 13u + 6u);
  ZooModel copy{m.label, onnx_io::model_to_bytes(exposed), exposed};
  std::mt19937_64 rng(3);
  TensorMap in{{"input", random_image(rng)}};
  TensorMap expected = ref::Interpreter(copy.model).run(in);
  for (const char* env : {"opencv@cpu:O2", "opencv@cpu:O0"}) {
    TensorMap got = prepare(env, copy)->run(in);
    ASSERT_EQ(got.size(), expected.size()) << env;
    for (const auto& [name, tensor] : expected) {
      ASSERT_TRUE(got.count(name)) << env << " " << name;
      EXPECT_EQ(got.at(name).shape(), tensor.shape()) << env << " " << name;
      EXPECT_LE(max_abs_diff(got.at(name), tensor), kLogitTolerance) << env << " " << name;
    }
  }
}

TEST(OpenCvErrors, UnknownDeviceOptionAndBadInputsAreOneLineErrors) {
  ZooModel m = load_zoo("resnet");
  EXPECT_CONTAINS(opencv().unavailable_reason(EnvSpec::parse("opencv@cuda:O2")),
                  "opencv has no device 'cuda'");
  EXPECT_CONTAINS(user_error_of([&] { prepare("opencv@tpu:O2", m); }),
                  "opencv@tpu:O2: opencv has no device 'tpu' (it has cpu, cpu-avx512");
  EXPECT_CONTAINS(user_error_of([&] { prepare("opencv@cpu:O2,winograd=0", m); }),
                  "opencv@cpu:O2,winograd=0: unknown option 'winograd' for opencv");
  EXPECT_CONTAINS(user_error_of([&] { prepare("opencv@cpu:O2,threads=0", m); }),
                  "option threads=0 must be at least 1");
  EXPECT_CONTAINS(user_error_of([&] { prepare("opencv@cpu:O2,threads=two", m); }),
                  "option threads=two is not an integer");

  auto session = prepare("opencv@cpu:O1,threads=2", m);
  EXPECT_CONTAINS(session->description(), "2 threads");
  Tensor image = Tensor(DType::kFloat32, {1, 1, 28, 28});
  EXPECT_CONTAINS(user_error_of([&] { session->run({}); }),
                  "opencv@cpu:O1,threads=2: zoo/resnet.onnx: input 'input' is missing");
  EXPECT_CONTAINS(user_error_of([&] {
                    session->run({{"input", image}, {"extra", image}});
                  }),
                  "the model has no input 'extra'");
  EXPECT_CONTAINS(user_error_of([&] {
                    session->run({{"input", Tensor(DType::kInt64, {1, 1, 28, 28})}});
                  }),
                  "input 'input' is int64, which a cv::Mat cannot hold");
  // A wrong shape reaches OpenCV, whose own complaint is the message.
  EXPECT_CONTAINS(user_error_of([&] {
                    session->run({{"input", Tensor(DType::kFloat32, {1, 3, 28, 28})}});
                  }),
                  "zoo/resnet.onnx: OpenCV failed to run the model: ");
  // The session survives a failed run.
  EXPECT_EQ(session->run({{"input", image}}).at("logits").shape(), (Shape{1, 10}));
}

// --- ISA caps: OpenCV reads OPENCV_CPU_DISABLE as libopencv_core loads, so a capped session
// needs a process started with the backend's worker environment. The parent test re-runs this
// binary with that environment; the child test below does the capped work.

constexpr const char* kCapChildDevice = "NNDELTA_OPENCV_CAP_CHILD_DEVICE";
constexpr const char* kCapChildOut = "NNDELTA_OPENCV_CAP_CHILD_OUT";

// The logits of resnet on 8 random images, concatenated.
std::vector<float> resnet_logits(Session& session) {
  std::mt19937_64 rng(11);
  std::vector<float> all;
  for (int i = 0; i < 8; ++i) {
    std::vector<float> logits =
        session.run({{"input", random_image(rng)}}).at("logits").to_floats();
    all.insert(all.end(), logits.begin(), logits.end());
  }
  return all;
}

TEST(OpenCvIsaCapChild, RunsCappedWhenStartedWithTheWorkerEnvironment) {
  const char* device = std::getenv(kCapChildDevice);
  if (!device) GTEST_SKIP() << "runs only as the child of OpenCvIsaCap tests";
  std::string env = std::string("opencv@") + device + ":O2";
  auto session = prepare(env, load_zoo("resnet"));  // refuses unless the cap is in force
  EXPECT_TRUE(backends::opencv::features_above_cap(*backends::opencv::find_device(device)).empty());
  std::vector<float> logits = resnet_logits(*session);
  std::ofstream out(std::getenv(kCapChildOut), std::ios::binary);
  out.write(reinterpret_cast<const char*>(logits.data()),
            static_cast<std::streamsize>(logits.size() * sizeof(float)));
  ASSERT_TRUE(out.good());
}

// Runs the tests matching `filter` of this binary in a child process, with `extra` added to
// the environment; returns the exit status (128 + signal when it crashed).
int run_child(const std::string& filter, const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    if (!extra.count(entry.substr(0, entry.find('=')))) env_strings.push_back(entry);
  }
  for (const auto& [key, value] : extra) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string filter_flag = "--gtest_filter=" + filter;
  std::vector<char*> argv = {self.data(), filter_flag.data(), nullptr};
  pid_t pid;
  if (posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), envp.data()) != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(OpenCvIsaCap, InProcessCapIsRefusedWithWhatTheWorkerNeeds) {
  const auto* device = backends::opencv::find_device("cpu-avx2");
  if (!opencv().unavailable_reason(EnvSpec::parse("opencv@cpu-avx2")).empty() ||
      backends::opencv::features_above_cap(*device).empty())
    GTEST_SKIP() << "this CPU has nothing above AVX2";
  EXPECT_CONTAINS(user_error_of([] { prepare("opencv@cpu-avx2:O2", load_zoo("resnet")); }),
                  "OpenCV still dispatches to AVX512F");
  EXPECT_CONTAINS(user_error_of([] { prepare("opencv@cpu-avx2:O2", load_zoo("resnet")); }),
                  "the worker must start with OPENCV_CPU_DISABLE=AVX512F,");
}

TEST(OpenCvIsaCap, CappedWorkersAgreeWithTheUncappedCpu) {
  std::vector<float> native = resnet_logits(*prepare("opencv@cpu:O2", load_zoo("resnet")));
  for (const char* device : {"cpu-avx2", "cpu-sse41"}) {
    EnvSpec env = EnvSpec::parse(std::string("opencv@") + device + ":O2");
    if (!opencv().unavailable_reason(env).empty()) continue;
    std::map<std::string, std::string> extra = opencv().worker_environment(env);
    std::string out = testing::temp_path(std::string(device) + ".logits");
    extra[kCapChildDevice] = device;
    extra[kCapChildOut] = out;
    ASSERT_EQ(run_child("OpenCvIsaCapChild.*", extra), 0) << device;
    std::string bytes = read_file(out);
    ASSERT_EQ(bytes.size(), native.size() * sizeof(float)) << device;
    std::vector<float> capped(native.size());
    std::memcpy(capped.data(), bytes.data(), bytes.size());
    size_t bitwise_different = 0;
    double worst = 0;
    for (size_t i = 0; i < native.size(); ++i) {
      bitwise_different += std::memcmp(&native[i], &capped[i], sizeof(float)) != 0;
      worst = std::max(worst, std::abs(double(native[i]) - capped[i]));
    }
    std::printf("opencv@%s vs opencv@cpu on resnet: %zu of %zu logits differ in bits, max %.3g\n",
                device, bitwise_different, native.size(), worst);
    EXPECT_LE(worst, kLogitTolerance) << device;
    // Where the cap takes away an ISA level OpenCV's DNN kernels dispatch on, other kernels
    // ran: the sums come out in another order, so some logit differs in its last bits.
    const std::string& disabled = extra["OPENCV_CPU_DISABLE"];
    if (disabled.find("AVX512-SKX") != std::string::npos ||
        disabled.find("AVX2") != std::string::npos) {
      EXPECT_GT(bitwise_different, 0u) << device << " ran the same kernels as cpu";
    }
  }
}

// --- OpenCL (PoCL here). The first run builds kernels, seconds to a minute on a loaded machine;
// PoCL caches them in ~/.cache/pocl. One small model keeps it short.

TEST(OpenCvOpenCl, RunsAZooModelAndReportsFp16Honestly) {
  if (std::string why = opencv().unavailable_reason(EnvSpec::parse("opencv@opencl")); !why.empty())
    GTEST_SKIP() << why;
  ZooModel m = load_zoo("alexnet");
  auto session = prepare("opencv@opencl:O2", m);
  EXPECT_CONTAINS(session->description(), "target OPENCL on '");
  auto fp16 = prepare("opencv@opencl-fp16:O2", m);
  bool runs_fp32 =
      fp16->description().find("so OpenCV runs it as OPENCL in FP32") != std::string::npos;
  std::printf("opencl: %s\nopencl-fp16: %s\n", session->description().c_str(),
              fp16->description().c_str());
  ref::Interpreter oracle(m.model);
  std::mt19937_64 rng(5);
  double worst = 0;
  for (int i = 0; i < 4; ++i) {
    TensorMap in{{"input", random_image(rng)}};
    Tensor expected = oracle.run(in).at("logits");
    Tensor got = session->run(in).at("logits");
    worst = std::max(worst, max_abs_diff(got, expected));
    Tensor got16 = fp16->run(in).at("logits");
    if (runs_fp32)
      EXPECT_TRUE(got16.same_as(got)) << "FP16 reported as FP32 but the outputs differ";
    else
      EXPECT_LE(max_abs_diff(got16, expected), 0.05) << "real FP16";
  }
  std::printf("opencv@opencl vs ref on alexnet: max |logit diff| %.3g\n", worst);
  EXPECT_LE(worst, kLogitTolerance);
}

// --- The ONNX backend conformance cases (node and pytorch-converted) OpenCV imports and passes.

ValueInfo value_info_of(const onnx::ValueInfoProto& proto) {
  ValueInfo info{proto.name(), std::nullopt, std::nullopt};
  if (!proto.type().has_tensor_type()) return info;
  const onnx::TypeProto::Tensor& tensor = proto.type().tensor_type();
  info.dtype = dtype_from_onnx(tensor.elem_type());
  if (!tensor.has_shape()) return info;
  std::vector<Dim> dims;
  for (const onnx::TensorShapeProto::Dimension& d : tensor.shape().dim())
    dims.push_back(d.has_dim_value() ? Dim{d.dim_value(), ""} : Dim{-1, d.dim_param()});
  info.dims = dims;
  return info;
}

// Only the graph's inputs and outputs, which is all the opencv session reads from the IR. The
// full import checks every model in a forked child, which costs ~0.1 s per case in a process
// as big as this one.
std::optional<Model> inputs_and_outputs(const std::string& bytes) {
  onnx::ModelProto proto;
  if (!proto.ParseFromString(bytes)) return std::nullopt;
  std::set<std::string> initializers;
  for (const onnx::TensorProto& init : proto.graph().initializer())
    initializers.insert(init.name());
  Model model;
  for (const onnx::ValueInfoProto& input : proto.graph().input())
    if (!initializers.count(input.name())) model.graph.inputs.push_back(value_info_of(input));
  for (const onnx::ValueInfoProto& output : proto.graph().output())
    model.graph.outputs.push_back(value_info_of(output));
  return model;
}

std::vector<std::filesystem::path> conformance_cases() {
  std::vector<std::filesystem::path> dirs;
  for (const char* suite : {"node", "pytorch-converted"})
    for (const auto& entry : std::filesystem::directory_iterator(
             std::string("/usr/share/libonnx-testdata/data/") + suite))
      dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

// One case on opencv@cpu:O2: "unreadable" (nndelta cannot read the case), "refused",
// "run-failed", "wrong" or "pass" (every output within rtol 1e-4, atol 1e-5).
std::string conformance_outcome(const std::filesystem::path& dir) {
  ZooModel m;
  m.label = dir.filename().string();
  m.bytes = read_file((dir / "model.onnx").string());
  std::optional<Model> io = inputs_and_outputs(m.bytes);
  if (!io) return "unreadable";
  m.model = *io;
  TensorMap inputs;
  std::vector<Tensor> expected;
  try {
    std::filesystem::path data = dir / "test_data_set_0";
    for (size_t k = 0; k < m.model.graph.inputs.size(); ++k)
      inputs[m.model.graph.inputs[k].name] =
          onnx_io::load_tensor_file((data / fmt::format("input_{}.pb", k)).string());
    for (size_t k = 0; k < m.model.graph.outputs.size(); ++k)
      expected.push_back(
          onnx_io::load_tensor_file((data / fmt::format("output_{}.pb", k)).string()));
  } catch (const UserError&) {
    return "unreadable";
  }
  std::unique_ptr<Session> session;
  try {
    session = prepare("opencv@cpu:O2", m);
  } catch (const UserError& e) {
    // Prepare also runs once on zeros; a failure there is a failure to run, not to import.
    return std::string(e.what()).find("OpenCV refused the model") != std::string::npos
               ? "refused"
               : "run-failed";
  }
  TensorMap got;
  try {
    got = session->run(inputs);
  } catch (const UserError&) {
    return "run-failed";
  }
  for (size_t k = 0; k < expected.size(); ++k) {
    const Tensor& want = expected[k];
    const Tensor& have = got[m.model.graph.outputs[k].name];
    if (have.shape() != want.shape()) return "wrong";
    std::vector<double> a = have.to_doubles(), b = want.to_doubles();
    for (size_t i = 0; i < a.size(); ++i)
      if (!(std::abs(a[i] - b[i]) <= 1e-5 + 1e-4 * std::abs(b[i])) &&
          !(std::isnan(a[i]) && std::isnan(b[i])))
        return "wrong";
  }
  return "pass";
}

constexpr const char* kConformanceOut = "NNDELTA_OPENCV_CONFORMANCE_OUT";
constexpr const char* kConformanceFrom = "NNDELTA_OPENCV_CONFORMANCE_FROM";

// Writes "index outcome" for each case from kConformanceFrom on, flushed one by one, so that
// the parent knows which case crashed OpenCV.
TEST(OpenCvConformanceChild, RunsCasesFromAnIndex) {
  const char* out_path = std::getenv(kConformanceOut);
  if (!out_path) GTEST_SKIP() << "runs only as the child of OpenCvConformance tests";
  std::vector<std::filesystem::path> cases = conformance_cases();
  std::ofstream out(out_path, std::ios::app);
  for (size_t i = std::stoul(std::getenv(kConformanceFrom)); i < cases.size(); ++i)
    out << i << ' ' << conformance_outcome(cases[i]) << std::endl;
}

// OpenCV 4.6 crashes on some cases (e.g. it reads past a layer's outputs when asked for
// Dropout's mask): a crash is an outcome, so the cases run in a child that is restarted after
// the case that killed it.
TEST(OpenCvConformance, CountsImportedAndPassingCases) {
  std::vector<std::filesystem::path> cases = conformance_cases();
  std::string out = testing::temp_path("outcomes.txt");
  std::filesystem::remove(out);
  std::vector<std::string> outcome(cases.size());
  std::vector<std::string> crashed;
  for (size_t from = 0; from < cases.size();) {
    int status = run_child("OpenCvConformanceChild.*",
                           {{kConformanceOut, out}, {kConformanceFrom, std::to_string(from)}});
    std::ifstream in(out);
    size_t index;
    std::string what;
    while (in >> index >> what) outcome[index] = what;
    size_t next = from;
    while (next < cases.size() && !outcome[next].empty()) ++next;
    if (next == cases.size()) break;
    ASSERT_GE(status, 128) << "the child stopped at case " << next << " without crashing";
    outcome[next] = "crashed";
    crashed.push_back(cases[next].filename().string());
    from = next + 1;
  }
  std::map<std::string, int> count;
  for (const std::string& o : outcome) ++count[o];
  int imported = count["pass"] + count["wrong"] + count["run-failed"] + count["crashed"];
  std::printf(
      "%s on ONNX conformance (node + pytorch-converted, opencv@cpu:O2): %zu cases, "
      "%d unreadable by nndelta, %d refused, %d imported: %d pass (rtol 1e-4, atol "
      "1e-5), %d wrong, %d fail to run, %d crash (%s)\n",
      opencv().version().c_str(), cases.size(), count["unreadable"], count["refused"], imported,
      count["pass"], count["wrong"], count["run-failed"], count["crashed"],
      fmt::format("{}", fmt::join(crashed, ", ")).c_str());
  // Measured: 428 imported, 379 pass (see the report); a drop is a regression of ours.
  EXPECT_GE(imported, 420);
  EXPECT_GE(count["pass"], 370);
}

}  // namespace
}  // namespace nnd
