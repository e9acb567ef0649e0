// +opset11 / +opset12 by our own per-op rules: every zoo model converts, passes libonnx's checker
// (the importer runs it) and computes exactly what the original computes, under ref.
#include <gtest/gtest.h>

#include "backends/transforms.h"
#include "build_paths.h"
#include "data/dataset.h"
#include "data/evaluate.h"
#include "data/session.h"
#include "data_test_util.h"
#include "onnx/opset.h"
#include "ref/interpreter.h"

namespace nnd::onnx_io {
namespace {

using nnd::testing::user_error;

const char* const kZooModels[] = {"alexnet",     "densenet", "efficientnet", "inception",
                                  "mobilenetv2", "resnet",   "shufflenet"};

class OpsetDowngrade : public ::testing::TestWithParam<const char*> {};

TEST_P(OpsetDowngrade, ZooModelComputesTheSameAtOpsets12And11) {
  const data::CardedModel model =
      data::load_carded_model(nnd::test::zoo_dir() + GetParam() + ".onnx");
  data::DatasetSpec spec = data::DatasetSpec::parse("fashion-mnist:test");
  spec.limit = 3;
  std::unique_ptr<data::Dataset> dataset = data::open_dataset(spec);
  const ref::Interpreter original(model.model);
  for (int64_t target : {12, 11}) {
    const Model converted = convert_opset(model.model, target);
    EXPECT_EQ(converted.opset(), target);
    const ref::Interpreter run(converted);
    for (size_t i = 0; i < dataset->size(); ++i) {
      const TensorMap inputs = {
          {model.card.input, data::model_input(dataset->item(i), model.card)}};
      EXPECT_EQ(run.run(inputs).at(model.card.output), original.run(inputs).at(model.card.output))
          << GetParam() << " at opset " << target << ", image " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, OpsetDowngrade, ::testing::ValuesIn(kZooModels));

Model split_model(int64_t opset) {
  Model m;
  m.opsets = {{"", opset}};
  m.source_path = "split.onnx";
  m.graph.name = "split";
  m.graph.inputs = {nnd::testing::float_value("x", {1, 4})};
  m.graph.outputs = {nnd::testing::float_value("a", {1, 1}),
                     nnd::testing::float_value("b", {1, 3})};
  m.graph.initializers["sizes"] = Tensor::of<int64_t>({2}, {1, 3});
  m.graph.nodes = {
      Node{"split", "Split", "", {"x", "sizes"}, {"a", "b"}, {{"axis", {int64_t{1}}}}}};
  return m;
}

TEST(OpsetDowngradeRules, SplitSizesMoveBackIntoTheAttribute) {
  const Model converted = convert_opset(split_model(13), 11);
  const Node& split = converted.graph.nodes.at(0);
  EXPECT_EQ(split.inputs, std::vector<std::string>{"x"});
  EXPECT_EQ(split.attr_ints("split"), (std::vector<int64_t>{1, 3}));
  const TensorMap out =
      ref::Interpreter(converted).run({{"x", Tensor::of<float>({1, 4}, {1, 2, 3, 4})}});
  EXPECT_EQ(out.at("b").to_floats(), (std::vector<float>{2, 3, 4}));
}

TEST(OpsetDowngradeRules, SoftmaxOverAnInnerAxisIsRefused) {
  Model m;
  m.opsets = {{"", 13}};
  m.source_path = "softmax.onnx";
  m.graph.name = "softmax";
  m.graph.inputs = {nnd::testing::float_value("x", {2, 3})};
  m.graph.outputs = {nnd::testing::float_value("y", {2, 3})};
  m.graph.nodes = {Node{"sm", "Softmax", "", {"x"}, {"y"}, {{"axis", {int64_t{0}}}}}};
  // Our rule's reason first, then libonnx's own (which has no adapter either).
  const std::string message = user_error([&] { convert_opset(m, 12); });
  EXPECT_EQ(message.rfind("softmax.onnx: cannot convert from opset 13 to opset 12: Softmax 'sm': "
                          "axis 0 is not the last axis, where Softmax before opset 13 computes "
                          "something else; libonnx: ",
                          0),
            0u)
      << message;
  m.graph.nodes[0].attributes["axis"] = Attribute{int64_t{1}};
  EXPECT_EQ(convert_opset(m, 12).graph.nodes.at(0).attr_int("axis"), -1);
}

}  // namespace
}  // namespace nnd::onnx_io
