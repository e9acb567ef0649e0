// Mutation operators: the catalogue, positions, every graph family on real zoo models (each
// mutant really changes what the model computes), input faults in the preprocessing (which itself
// never swaps H and W), and the CLI's bad inputs.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <set>

#include "build_paths.h"
#include "cli_runner.h"
#include "core/error.h"
#include "data/preprocess.h"
#include "data/session.h"
#include "mutate/catalogue.h"
#include "mutate/mutant.h"
#include "mutate/position.h"
#include "ref/interpreter.h"
#include "test_models.h"

namespace nnd::mutate {
namespace {

const data::CardedModel& zoo(const std::string& name) {
  static std::map<std::string, data::CardedModel> cache;
  auto it = cache.find(name);
  if (it == cache.end())
    it = cache.emplace(name, data::load_carded_model(nnd::test::zoo_dir() + name + ".onnx")).first;
  return it->second;
}

Tensor probe_input(const data::ModelCard& card, uint32_t seed = 7) {
  Tensor t(DType::kFloat32, card.input_shape());
  uint32_t x = seed;
  for (int64_t i = 0; i < t.size(); ++i) {
    x = x * 1664525u + 1013904223u;
    t.data<float>()[i] = static_cast<float>(x >> 8) / static_cast<float>(1u << 24) * 2 - 1;
  }
  return t;
}

Tensor run_ref(const Model& model, const data::ModelCard& card, const Tensor& input) {
  ref::Interpreter interpreter(model);
  return interpreter.run({{card.input, input}}).at(card.output);
}

Mutant make(const std::string& model, const std::string& id) {
  return make_mutant(zoo(model).model, zoo(model).card, MutantSpec::parse(id));
}

size_t count_ops(const Model& m, const std::string& op) {
  size_t n = 0;
  for (const Node& node : m.graph.nodes) n += node.op_type == op;
  return n;
}

TEST(MutationCatalogue, ListsEveryOperatorOnceWithItsCategoryAndLevel) {
  std::set<std::string_view> ids;
  size_t loop = 0, graph = 0, input = 0;
  for (size_t i = 0; i < operators().size(); ++i) {
    const OperatorInfo& o = operators()[i];
    EXPECT_EQ(static_cast<size_t>(o.op), i);
    EXPECT_TRUE(ids.insert(o.id).second) << o.id;
    EXPECT_EQ(find_operator(o.id), o.op);
    EXPECT_FALSE(o.description.empty());
    loop += o.level == Level::kLoop;
    graph += o.level == Level::kGraph;
    input += o.level == Level::kInput;
    EXPECT_EQ(applies_to_framework(o.level, "ort"), o.level != Level::kLoop) << o.id;
    EXPECT_TRUE(applies_to_framework(o.level, "halide")) << o.id;
  }
  // The issue's list: 14 graph operators of the research plus the bit flip, 16 loop operators
  // (11 of the research, 5 beyond), 4 input faults.
  EXPECT_EQ(graph, 15u);
  EXPECT_EQ(loop, 16u);
  EXPECT_EQ(input, 4u);
  EXPECT_EQ(categories().size(), 9u);
  EXPECT_EQ(operators_of_category("input-pipeline").size(), 4u);
  EXPECT_THROW(operator_named("frobnicate"), UserError);
  EXPECT_THROW(operators_of_category("nope"), UserError);
}

TEST(MutationPosition, ParsesOccurrencesRangesAndAllAndRejectsTheRest) {
  EXPECT_EQ(Position::parse("3").select(5, "op"), (std::vector<size_t>{2}));
  EXPECT_EQ(Position::parse("2-4").select(5, "op"), (std::vector<size_t>{1, 2, 3}));
  EXPECT_EQ(Position::parse("all").select(3, "op"), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(Position::parse("2-4").text(), "2-4");
  for (const char* bad : {"0", "-1", "4-2", "x", "", "1-", "each"})
    EXPECT_THROW(Position::parse(bad), UserError) << bad;
  try {
    Position::parse("6").select(5, "add-to-sub");
    ADD_FAILURE();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("add-to-sub"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("5 sites"), std::string::npos) << e.what();
  }
  EXPECT_EQ(expand_positions({"each", "2", "all"}, 3).size(), 4u);
}

// A mutation must change the model's outputs: the research's store-value mutation rebuilt the
// store with the original value and changed nothing.
TEST(GraphMutants, EachFamilyReallyChangesTheModel) {
  const data::CardedModel& resnet = zoo("resnet");
  const Tensor input = probe_input(resnet.card);
  const Tensor original = run_ref(resnet.model, resnet.card, input);
  for (const char* id :
       {"add-to-sub@1", "relu-to-sigmoid@1", "transpose-conv-input@1", "transpose-conv-weights@1",
        "exp-before-conv@2", "exp-after-conv@1", "exp-before-gemm@1", "exp-after-gemm@1",
        "weight-bitflip@1", "transpose-conv-gemm-input@1"}) {
    const Mutant m = make("resnet", id);
    ASSERT_TRUE(m.is_mutant()) << id << ": " << m.note;
    EXPECT_EQ(m.sites, 1) << id;
    EXPECT_TRUE(m.build_error.empty()) << id << ": " << m.build_error;
    ASSERT_TRUE(m.model.has_value());
    EXPECT_FALSE(*m.model == resnet.model) << id;
    EXPECT_FALSE(m.diff.empty()) << id;
    const Tensor mutated = run_ref(*m.model, resnet.card, input);
    EXPECT_FALSE(mutated.same_as(original)) << id << " left the outputs bit-identical";
  }
}

TEST(GraphMutants, ReplaceChangesExactlyTheSitesOfItsPosition) {
  const Model& original = zoo("resnet").model;
  const size_t adds = count_ops(original, "Add");
  ASSERT_GE(adds, 3u);
  const Mutant one = make("resnet", "add-to-sub@2");
  EXPECT_EQ(count_ops(*one.model, "Sub"), 1u);
  EXPECT_EQ(count_ops(*one.model, "Add"), adds - 1);
  const Mutant range = make("resnet", "add-to-sub@1-3");
  EXPECT_EQ(range.sites, 3);
  EXPECT_EQ(count_ops(*range.model, "Sub"), 3u);
  const Mutant all = make("resnet", "add-to-sub@all");
  EXPECT_EQ(all.sites, static_cast<int64_t>(adds));
  EXPECT_EQ(count_ops(*all.model, "Add"), 0u);
  EXPECT_NE(one.diff.find("+ Sub"), std::string::npos) << one.diff;
  EXPECT_NE(one.diff.find("- Add"), std::string::npos) << one.diff;
  EXPECT_THROW(make("resnet", "add-to-sub@99"), UserError);
}

TEST(GraphMutants, BitFlipFlipsBit30OfOneWeightOnly) {
  const Model& original = zoo("resnet").model;
  const Mutant m = make("resnet", "weight-bitflip@1");
  ASSERT_TRUE(m.is_mutant()) << m.note;
  int64_t changed = 0;
  for (const auto& [name, t] : original.graph.initializers) {
    const Tensor& after = m.model->graph.initializers.at(name);
    if (t.dtype() != DType::kFloat32) continue;
    for (int64_t i = 0; i < t.size(); ++i) {
      const uint32_t a = std::bit_cast<uint32_t>(t.data<float>()[i]);
      const uint32_t b = std::bit_cast<uint32_t>(after.data<float>()[i]);
      if (a == b) continue;
      ++changed;
      EXPECT_EQ(a ^ b, 1u << 30) << name << "[" << i << "]";
    }
  }
  EXPECT_EQ(changed, 1);
}

TEST(GraphMutants, TransposeSwapsTwoEqualAxesOrSaysWhyItCannot) {
  // resnet's Gemm reads a [1,64] vector: no two axes of equal size above 1.
  const Mutant gemm = make("resnet", "transpose-gemm-input@1");
  EXPECT_FALSE(gemm.is_mutant());
  EXPECT_NE(gemm.note.find("no two axes of [1,64]"), std::string::npos) << gemm.note;
  const Mutant conv = make("resnet", "transpose-conv-input@1");
  EXPECT_NE(conv.diff.find("perm=[0,1,3,2]"), std::string::npos) << conv.diff;
  // densenet has BatchNormalization; its inputs are square feature maps.
  const Mutant bn = make("densenet", "transpose-bn-input@1");
  ASSERT_TRUE(bn.is_mutant()) << bn.note;
  EXPECT_EQ(count_ops(*bn.model, "Transpose"), count_ops(zoo("densenet").model, "Transpose") + 1);
  const Tensor input = probe_input(zoo("densenet").card);
  EXPECT_FALSE(run_ref(*bn.model, zoo("densenet").card, input)
                   .same_as(run_ref(zoo("densenet").model, zoo("densenet").card, input)));
  for (const char* id : {"round-before-bn@1", "exp-before-bn@3"})
    EXPECT_TRUE(make("densenet", id).is_mutant()) << id;
  // resnet has no BatchNormalization at all.
  EXPECT_TRUE(
      find_sites(zoo("resnet").model, zoo("resnet").card, Operator::kTransposeBnInput).empty());
  EXPECT_FALSE(make("resnet", "transpose-bn-input@all").is_mutant());
}

TEST(GraphMutants, LoopOperatorsBelongToTheHalideCompiler) {
  EXPECT_THROW(make("resnet", "lt-to-le@1"), UserError);
}

// Preprocessing reads pixel (y, x) of the image into element (y, x): the research's pipeline
// swapped H and W. A 3 x 5 card on a 3 x 5 image whose pixel value encodes its position.
TEST(Preprocess, NeverSwapsHeightAndWidth) {
  data::ModelCard card;
  card.height = 3;
  card.width = 5;
  card.channels = 1;
  card.resize = 3;
  card.mean = {0};
  card.std = {1};
  data::Image image;
  image.height = 3;
  image.width = 5;
  image.channels = 1;
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 5; ++x) image.pixels.push_back(static_cast<uint8_t>(10 * y + x));
  const Tensor t = data::preprocess(image, card);
  ASSERT_EQ(t.shape(), (Shape{1, 1, 3, 5}));
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 5; ++x) EXPECT_EQ(t.data<float>()[y * 5 + x], 10 * y + x) << y << "," << x;
}

TEST(InputFaults, EachFaultChangesThePipelineAsDescribed) {
  data::ModelCard card;
  card.height = card.width = 4;
  card.channels = 3;
  card.resize = 4;
  card.scale = 1;
  card.mean = {1, 2, 3};
  card.std = {2, 2, 2};
  data::Image image;
  image.height = image.width = 4;
  image.channels = 3;
  for (int i = 0; i < 4 * 4 * 3; ++i) image.pixels.push_back(static_cast<uint8_t>(i));
  auto at = [&](const Tensor& t, int c, int y, int x) {
    return t.data<float>()[(c * 4 + y) * 4 + x];
  };
  const Tensor base = data::preprocess(image, card);
  // RGB card: channel 0 is the image's R, which OpenCV order keeps third.
  EXPECT_EQ(at(base, 0, 1, 2), (image.at(1, 2, 2) - 1.0f) / 2);
  const Tensor swapped = data::preprocess(image, card, data::InputFault::kSwapChannels);
  EXPECT_EQ(at(swapped, 0, 1, 2), (image.at(1, 2, 0) - 1.0f) / 2);
  const Tensor raw = data::preprocess(image, card, data::InputFault::kNoNormalization);
  EXPECT_EQ(at(raw, 0, 1, 2), image.at(1, 2, 2));
  const Tensor hw = data::preprocess(image, card, data::InputFault::kSwapHw);
  EXPECT_EQ(at(hw, 1, 1, 2), at(base, 1, 2, 1));
  const Tensor layout = data::preprocess(image, card, data::InputFault::kLayoutConfusion);
  EXPECT_EQ(layout.data<float>()[(1 * 4 + 2) * 3 + 0], at(base, 0, 1, 2));  // NHWC order
}

TEST(InputMutants, AFaultThatChangesNothingIsNotAMutant) {
  // Fashion-MNIST cards have one channel: no order to swap, and NCHW equals NHWC byte for byte.
  const Mutant layout = make("resnet", "input-nchw-nhwc@1");
  EXPECT_FALSE(layout.is_mutant());
  EXPECT_NE(layout.note.find("same bytes"), std::string::npos) << layout.note;
  EXPECT_FALSE(make("resnet", "input-swap-channels@1").is_mutant());
  const Mutant norm = make("resnet", "input-no-normalization@1");
  EXPECT_TRUE(norm.is_mutant());
  EXPECT_EQ(norm.input_fault, data::InputFault::kNoNormalization);
  EXPECT_TRUE(make("resnet", "input-swap-hw@all").is_mutant());
  EXPECT_THROW(make("resnet", "input-swap-hw@2"), UserError);
}

TEST(MutantsCli, ListsShowsAndRejectsBadInputInOneLine) {
  const std::string resnet = nnd::test::zoo_dir() + "resnet.onnx";
  testing::CliResult ops = testing::run_cli("mutants operators");
  EXPECT_EQ(ops.exit_code, 0);
  EXPECT_NE(ops.out.find("lt-to-gt"), std::string::npos);
  EXPECT_NE(ops.out.find("halide environments only"), std::string::npos);
  testing::CliResult list = testing::run_cli("mutants list " + resnet);
  EXPECT_EQ(list.exit_code, 0) << list.out;
  EXPECT_NE(list.out.find("add-to-sub@6"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("not applicable: no two axes"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("lt-to-le@"), std::string::npos);
  testing::CliResult halide = testing::run_cli("mutants list " + resnet + " --env halide@cpu:O2");
  // Loop sites come from the halide compiler: resnet at O2 has conditions to mutate.
  EXPECT_EQ(halide.exit_code, 0) << halide.out;
  EXPECT_NE(halide.out.find("lt-to-le@1 "), std::string::npos) << halide.out;
  EXPECT_NE(halide.out.find("loop   stage 0 Conv"), std::string::npos) << halide.out;
  testing::CliResult show = testing::run_cli("mutants show relu-to-sigmoid@1 --model " + resnet);
  EXPECT_EQ(show.exit_code, 0) << show.out;
  EXPECT_NE(show.out.find("+ Sigmoid"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("sites changed: 1"), std::string::npos) << show.out;
  testing::expect_one_line_error(testing::run_cli("mutants show frob@1 --model " + resnet),
                                 "unknown mutation operator 'frob'");
  testing::expect_one_line_error(testing::run_cli("mutants show add-to-sub@7 --model " + resnet),
                                 "position 7 of add-to-sub is out of range");
  testing::expect_one_line_error(testing::run_cli("mutants show add-to-sub --model " + resnet),
                                 "expected OPERATOR@POSITION");
}

}  // namespace
}  // namespace nnd::mutate
