// The worker protocol against real worker processes: frames, sessions, intermediates, transforms,
// and every way a worker can fail.
#include <gtest/gtest.h>

#include <random>

#include "backends/env_spec.h"
#include "build_paths.h"
#include "onnx/model_io.h"
#include "ref/interpreter.h"
#include "test_models.h"
#include "worker/client.h"
#include "worker/env_session.h"
#include "worker/expose.h"
#include "worker/frame.h"
#include "worker/launch.h"

namespace nnd::worker {
namespace {

using backends::EnvSpec;

Model zoo_model(const std::string& name) {
  return onnx_io::load_model(nnd::test::zoo_dir() + name + ".onnx");
}

TensorMap random_image(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(28 * 28);
  for (float& x : v) x = normal(rng);
  return {{"input", Tensor::of<float>({1, 1, 28, 28}, v)}};
}

Command ref_worker(const std::string& fault = {}) {
  Command c = command_for(EnvSpec::parse("ref"));
  if (!fault.empty()) c.argv.insert(c.argv.end(), {"--fault", fault});
  return c;
}

TEST(Frame, TensorsOfEveryTypeRoundTrip) {
  TensorMap in = {
      {"f32", Tensor::of<float>({2, 2}, {1.5f, -2, 3, 4})},
      {"f64", Tensor::of<double>({1}, {0.1})},
      {"f16", Tensor::from_doubles(DType::kFloat16, {3}, std::vector<double>{0.5, -1, 2})},
      {"i8", Tensor::of<int8_t>({2}, {-3, 4})},
      {"u8", Tensor::of<uint8_t>({2}, {0, 255})},
      {"i16", Tensor::of<int16_t>({1}, {-300})},
      {"i32", Tensor::of<int32_t>({1}, {70000})},
      {"i64", Tensor::of<int64_t>({2}, {int64_t{1} << 60, -1})},
      {"bool", Tensor::of<bool>({3}, {true, false, true})},
      {"scalar", Tensor::of<float>({}, {7})},
      {"empty", Tensor(DType::kFloat32, {0, 3})},
  };
  std::string payload = Writer().u32(9).str("env").tensors(in).take();
  Reader r(payload);
  EXPECT_EQ(r.u32(), 9u);
  EXPECT_EQ(r.str(), "env");
  TensorMap out = r.tensors();
  EXPECT_TRUE(r.done());
  ASSERT_EQ(out.size(), in.size());
  for (const auto& [name, t] : in) EXPECT_TRUE(out.at(name).same_as(t)) << name;
}

TEST(Frame, MalformedPayloadsAreProtocolErrors) {
  std::string payload = Writer().tensors({{"x", Tensor::of<float>({2}, {1, 2})}}).take();
  EXPECT_THROW(Reader(payload.substr(0, payload.size() - 1)).tensors(), ProtocolError);
  std::string wrong_size = payload;
  wrong_size[4 + 4 + 1 + 1] = 100;  // rank 100 (after count, name length, name, dtype)
  EXPECT_THROW(Reader(wrong_size).tensors(), ProtocolError);
  std::string bad_dtype = payload;
  bad_dtype[4 + 4 + 1] = 8;  // ONNX string tensors are not a protocol dtype
  EXPECT_THROW(Reader(bad_dtype).tensors(), ProtocolError);
}

TEST(EnvSession, RefWorkerGivesTheInProcessOutputsBitForBit) {
  Model model = zoo_model("resnet");
  EnvSession session(model, EnvSpec::parse("ref@cpu:O2"), {});
  EXPECT_NE(session.description().find("ref@cpu:O2"), std::string::npos);
  ref::Interpreter interpreter(model);
  for (uint64_t seed : {1, 2, 3}) {
    TensorMap inputs = random_image(seed);
    InferResult got = session.infer(inputs);
    TensorMap want = interpreter.run(inputs);
    ASSERT_EQ(got.outputs.size(), 1u);
    EXPECT_TRUE(got.outputs.at("logits").same_as(want.at("logits")));
    EXPECT_GT(got.latency_ns, 0u);
  }
}

TEST(EnvSession, IntermediatesAreEveryValueWithTheOutputsUnchanged) {
  Model model = zoo_model("resnet");
  SessionOptions options;
  options.keep_intermediates = true;
  EnvSession session(model, EnvSpec::parse("ref"), options);
  TensorMap inputs = random_image(5);
  InferResult all = session.intermediates(inputs);
  TensorMap want = ref::Interpreter(model).run(inputs, /*keep_intermediates=*/true);
  size_t produced = 0;
  for (const Node& n : model.graph.nodes) produced += n.outputs.size();
  EXPECT_EQ(all.outputs.size(), produced);
  for (const auto& [name, t] : all.outputs) EXPECT_TRUE(t.same_as(want.at(name))) << name;
  // infer() on the same session still returns only the model's own output.
  EXPECT_EQ(session.infer(inputs).outputs.size(), 1u);
}

TEST(EnvSession, LoadsAnotherModelInTheSameWorker) {
  Model resnet = zoo_model("resnet"), alexnet = zoo_model("alexnet");
  EnvSession session(resnet, EnvSpec::parse("ref"), {});
  TensorMap inputs = random_image(11);
  session.load(alexnet);
  EXPECT_NE(session.description().find("ref@cpu:O2"), std::string::npos);
  EXPECT_TRUE(session.infer(inputs).outputs.at("logits").same_as(
      ref::Interpreter(alexnet).run(inputs).at("logits")));
}

TEST(EnvSession, OrtNodeWorkerSpeaksTheSameProtocol) {
  const EnvSpec env = EnvSpec::parse("ort@cpu:O3,threads=1");
  if (std::string why = unavailable_reason(env); !why.empty()) GTEST_SKIP() << why;
  Model model = zoo_model("resnet");
  EnvSession session(model, env, {});
  EXPECT_NE(session.description().find("ort"), std::string::npos) << session.description();
  TensorMap inputs = random_image(3);
  std::vector<double> got = session.infer(inputs).outputs.at("logits").to_doubles();
  std::vector<double> want = ref::Interpreter(model).run(inputs).at("logits").to_doubles();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4) << i;
}

TEST(EnvSession, OrtExposesEveryIntermediateValue) {
  const EnvSpec env = EnvSpec::parse("ort@cpu:O0,threads=1");
  if (std::string why = unavailable_reason(env); !why.empty()) GTEST_SKIP() << why;
  Model model = zoo_model("resnet");
  SessionOptions options;
  options.keep_intermediates = true;
  EnvSession session(model, env, options);
  TensorMap inputs = random_image(8);
  TensorMap got = session.intermediates(inputs).outputs;
  TensorMap want = ref::Interpreter(model).run(inputs, /*keep_intermediates=*/true);
  EXPECT_EQ(got.size(), want.size());
  for (const auto& [name, t] : want) {
    ASSERT_EQ(got.count(name), 1u) << name;
    std::vector<double> a = got.at(name).to_doubles(), b = t.to_doubles();
    ASSERT_EQ(a.size(), b.size()) << name;
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    EXPECT_LT(worst, 1e-3) << name;
  }
}

TEST(EnvSession, OpsetUpgradeTransformRunsTheConvertedModel) {
  Model model = zoo_model("resnet");
  EnvSession session(model, EnvSpec::parse("ref+opset17@cpu:O2"), {});
  TensorMap inputs = random_image(9);
  TensorMap want = ref::Interpreter(model).run(inputs);
  EXPECT_TRUE(session.infer(inputs).outputs.at("logits").same_as(want.at("logits")));
}

TEST(EnvSession, EnvironmentsThatCannotRunHereAreUserErrors) {
  Model model = zoo_model("resnet");
  EXPECT_THROW(EnvSession(model, EnvSpec::parse("ref@cuda"), {}), UserError);
  EXPECT_THROW(EnvSession(model, EnvSpec::parse("nosuch@cpu"), {}), UserError);
  EXPECT_THROW(EnvSession(model, EnvSpec::parse("ref+shuffle@cpu"), {}), UserError);
  EXPECT_NE(unavailable_reason(EnvSpec::parse("ref@cuda")).find("cpu only"), std::string::npos);
}

TEST(EnvSession, RefusedModelIsReportedWithTheFrameworksMessage) {
  Model model = testing::conv_relu_model();
  model.graph.nodes[1].op_type = "Celu";  // a real ONNX op the ref interpreter does not run
  try {
    EnvSession session(model, EnvSpec::parse("ref"), {});
    FAIL() << "prepare should be refused";
  } catch (const WorkerFailure& e) {
    EXPECT_EQ(e.outcome, Outcome::kRefused);
    EXPECT_NE(std::string(e.what()).find("Celu"), std::string::npos) << e.what();
  }
}

TEST(WorkerProcess, RunFailureLeavesTheWorkerUsable) {
  Model model = zoo_model("resnet");
  WorkerProcess worker(ref_worker(), {});
  EXPECT_NE(worker.description().find("ref"), std::string::npos);
  worker.prepare("ref@cpu:O2", 1, 1, "resnet", onnx_io::model_to_bytes(model));
  TensorMap wrong = {{"input", Tensor::of<float>({1, 1, 2, 2}, {1, 2, 3, 4})}};
  try {
    worker.infer(wrong);
    FAIL() << "a wrong input shape should fail";
  } catch (const WorkerFailure& e) {
    EXPECT_EQ(e.outcome, Outcome::kFailed);
    EXPECT_NE(std::string(e.what()).find("input"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(worker.alive());
  EXPECT_EQ(worker.infer(random_image(1)).outputs.count("logits"), 1u);
}

struct FaultCase {
  const char* fault;
  Outcome outcome;
  const char* words;
};

class WorkerFaults : public ::testing::TestWithParam<FaultCase> {};

TEST_P(WorkerFaults, AreReportedWithTheirCauseAndAFreshWorkerGoesOn) {
  const FaultCase& c = GetParam();
  Model model = zoo_model("resnet");
  const std::string onnx = onnx_io::model_to_bytes(model);
  Timeouts timeouts;
  timeouts.infer = std::chrono::milliseconds(1500);
  {
    WorkerProcess worker(ref_worker(c.fault), timeouts);
    worker.prepare("ref@cpu:O2", 1, 1, "resnet", onnx);
    try {
      worker.infer(random_image(1));
      FAIL() << c.fault << ": no failure";
    } catch (const WorkerFailure& e) {
      EXPECT_EQ(e.outcome, c.outcome) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.words), std::string::npos) << e.what();
    }
    EXPECT_FALSE(worker.alive());
    EXPECT_THROW(worker.infer(random_image(1)), WorkerFailure);
  }
  WorkerProcess fresh(ref_worker(), timeouts);
  fresh.prepare("ref@cpu:O2", 1, 1, "resnet", onnx);
  EXPECT_EQ(fresh.infer(random_image(1)).outputs.count("logits"), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Each, WorkerFaults,
    ::testing::Values(FaultCase{"segv", Outcome::kCrashed, "SIGSEGV"},
                      FaultCase{"hang", Outcome::kHung, "no reply within 1500 ms"},
                      FaultCase{"garbage", Outcome::kGarbage, "not a frame"},
                      FaultCase{"exit", Outcome::kExited, "exited with status 3"}),
    [](const auto& info) { return std::string(info.param.fault); });

TEST(WorkerProcess, WorkerThatStopsReadingIsHungNotAHungParent) {
  Model model = zoo_model("resnet");
  Timeouts timeouts;
  timeouts.infer = std::chrono::milliseconds(1500);
  WorkerProcess worker(ref_worker("deaf"), timeouts);
  worker.prepare("ref@cpu:O2", 1, 1, "resnet", onnx_io::model_to_bytes(model));
  // 8 MB: more than the pipe holds, so the write itself must wait for a reader that never comes.
  TensorMap big{{"input", Tensor::of<float>({2, 1024, 1024}, std::vector<float>(2 << 20))}};
  try {
    worker.infer(big);
    FAIL() << "a worker that reads nothing answered";
  } catch (const WorkerFailure& e) {
    EXPECT_EQ(e.outcome, Outcome::kHung) << e.what();
    EXPECT_NE(std::string(e.what()).find("did not read its request within 1500 ms"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(worker.alive());
}

TEST(WorkerProcess, ProgramThatCannotStartIsReported) {
  try {
    WorkerProcess worker(Command{{"/nonexistent/worker"}, {}}, {});
    FAIL() << "should not start";
  } catch (const WorkerFailure& e) {
    EXPECT_EQ(e.outcome, Outcome::kExited);
    EXPECT_NE(std::string(e.what()).find("status 127"), std::string::npos) << e.what();
  }
}

TEST(Expose, UnknownValueNameIsAUserError) {
  // Through bytes, so shape inference gives the intermediate value its type.
  Model model = onnx_io::model_from_bytes(onnx_io::model_to_bytes(testing::conv_relu_model()), "m");
  EXPECT_EQ(expose_values(model, {"c"}).graph.outputs.size(), 2u);
  EXPECT_THROW(expose_values(model, {"nope"}), UserError);
}

}  // namespace
}  // namespace nnd::worker
