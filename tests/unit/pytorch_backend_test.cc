// The pytorch framework: each zoo model's TorchScript source (zoo/export_torchscript.py) against
// its ONNX export run by ref, and the refusals for models without a usable TorchScript file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "build_paths.h"
#include "data/dataset.h"
#include "data/evaluate.h"
#include "data/session.h"
#include "data_test_util.h"

namespace nnd::data {
namespace {

namespace fs = std::filesystem;
using nnd::testing::user_error;

const char* const kZooModels[] = {"alexnet",     "densenet", "efficientnet", "inception",
                                  "mobilenetv2", "resnet",   "shufflenet"};

class PytorchZoo : public ::testing::TestWithParam<const char*> {};

// Source and export agree on top-1 for >= 99.9% of the first 1,000 test images, and their scores
// differ only by float rounding (the export folded BatchNorm exactly as the TorchScript has it).
// The export runs on torch (our ONNX->ATen converter), a few times faster than ref; that torch
// agrees with ref on these models is asserted by tests/agreement, and tests/agreement runs the
// pytorch environments against ref too.
TEST_P(PytorchZoo, TorchScriptAgreesWithTheOnnxExport) {
  const CardedModel model = load_carded_model(nnd::test::zoo_dir() + GetParam() + ".onnx");
  auto source = prepare_in_process(model, backends::EnvSpec::parse("pytorch@cpu:O2"));
  auto oracle = prepare_in_process(model, backends::EnvSpec::parse("torch@cpu:O2"));
  DatasetSpec spec = DatasetSpec::parse("fashion-mnist:test");
  spec.limit = 1000;
  std::unique_ptr<Dataset> dataset = open_dataset(spec);
  size_t same = 0;
  double max_error = 0;
  for (size_t i = 0; i < dataset->size(); ++i) {
    const TensorMap inputs = {{model.card.input, model_input(dataset->item(i), model.card)}};
    const Tensor a = source->run(inputs).at(model.card.output);
    const Tensor b = oracle->run(inputs).at(model.card.output);
    ASSERT_EQ(a.shape(), b.shape());
    same += predicted_class(a, model.card) == predicted_class(b, model.card);
    for (int64_t k = 0; k < a.size(); ++k)
      max_error = std::max(max_error, std::abs(a.at(k) - b.at(k)));
  }
  EXPECT_GE(same, 999u) << GetParam();
  EXPECT_LT(max_error, 1e-3) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Zoo, PytorchZoo, ::testing::ValuesIn(kZooModels));

// Every level runs and gives the same labels on a few images (O0 as loaded, O3 optimized).
TEST(Pytorch, EveryLevelRuns) {
  const CardedModel model = load_carded_model(nnd::test::zoo_dir() + "mobilenetv2.onnx");
  DatasetSpec spec = DatasetSpec::parse("fashion-mnist:test");
  spec.limit = 20;
  std::unique_ptr<Dataset> dataset = open_dataset(spec);
  std::vector<std::vector<size_t>> labels;
  for (const char* env : {"pytorch@cpu:O0", "pytorch@cpu:O1", "pytorch@cpu:O2", "pytorch@cpu:O3"}) {
    auto session = prepare_in_process(model, backends::EnvSpec::parse(env));
    EXPECT_NE(session->description().find("mobilenetv2.torchscript"), std::string::npos);
    labels.emplace_back();
    for (size_t i = 0; i < dataset->size(); ++i) {
      const TensorMap inputs = {{model.card.input, model_input(dataset->item(i), model.card)}};
      labels.back().push_back(
          predicted_class(session->run(inputs).at(model.card.output), model.card));
    }
  }
  for (size_t l = 1; l < labels.size(); ++l) EXPECT_EQ(labels[l], labels[0]) << "O" << l;
}

// A copy of resnet whose card is rewritten by `edit`, in a fresh folder.
CardedModel copy_with_card(const std::string& dir, const std::string& card_line) {
  const std::string zoo = nnd::test::zoo_dir();
  fs::copy_file(zoo + "resnet.onnx", dir + "/resnet.onnx");
  std::string card = nnd::testing::read_bytes(zoo + "resnet.toml");
  const size_t at = card.find("torchscript = ");
  card.replace(at, card.find('\n', at) - at, card_line);
  std::ofstream(dir + "/resnet.toml") << card;
  return load_carded_model(dir + "/resnet.onnx");
}

TEST(Pytorch, RefusesModelsWithoutAUsableTorchScript) {
  const auto env = backends::EnvSpec::parse("pytorch@cpu:O2");
  std::string dir = nnd::testing::fresh_dir("none");
  CardedModel model = copy_with_card(dir, "");
  EXPECT_EQ(user_error([&] { prepare_in_process(model, env); }),
            "pytorch@cpu:O2: " + dir +
                "/resnet.toml names no TorchScript source model (key "
                "'torchscript'), so pytorch cannot run " +
                dir + "/resnet.onnx");
  dir = nnd::testing::fresh_dir("missing");
  model = copy_with_card(dir, "torchscript = \"gone.torchscript\"");
  EXPECT_EQ(user_error([&] { prepare_in_process(model, env); }),
            "pytorch@cpu:O2: " + dir + "/gone.torchscript: no such TorchScript file (named by " +
                dir + "/resnet.toml)");
  dir = nnd::testing::fresh_dir("corrupt");
  model = copy_with_card(dir, "torchscript = \"bad.torchscript\"");
  std::ofstream(dir + "/bad.torchscript") << "not a zip archive";
  const std::string message = user_error([&] { prepare_in_process(model, env); });
  EXPECT_EQ(message.rfind("pytorch@cpu:O2: " + dir +
                              "/bad.torchscript: not a TorchScript file LibTorch can load (",
                          0),
            0u)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_EQ(backends::find_backend("pytorch")->unavailable_reason(
                backends::EnvSpec::parse("pytorch+fp16w@cpu:O2")),
            "pytorch runs the TorchScript source model; the ONNX transform '+fp16w' does not "
            "apply");
}

}  // namespace
}  // namespace nnd::data
