// The committed zoo: file checksums, sizes and work from the graph IR, and the exact number of
// correct ref predictions on the first Fashion-MNIST test images (recorded in zoo/MODELS.md).
#include <gtest/gtest.h>

#include <cstdlib>

#include "build_paths.h"
#include "core/sha256.h"
#include "data/dataset.h"
#include "data/evaluate.h"
#include "data/model_stats.h"
#include "data/session.h"
#include "data_test_util.h"

namespace nnd::data {
namespace {

const std::string kZoo = nnd::test::zoo_dir();

struct ZooModel {
  const char* name;
  const char* sha256;
  int64_t parameters;       // floating-point initializer elements of the ONNX file
  int64_t multiply_adds;    // Conv/Gemm/MatMul, one 28x28 image
  int64_t correct_of_1000;  // ref, first 1000 test images
};

const ZooModel kModels[] = {
    // clang-format off
    {"alexnet",      "eca4df83ae1418350ad994024481cdcfab881d320faf666f7f66b02955835221", 348874, 13001472, 926},
    {"densenet",     "67d784cc99a32aa48f1ea2fe1782e65957ac1b67ea2d85d7f8d141294fe88ed3", 103486, 8310348, 923},
    {"efficientnet", "c9a8acc178320ccd20ed1a022d3cbeb3e21bb1e10795afbc9eb84e4b88223082", 223338, 11147760, 926},
    {"inception",    "a8bfbe47e33ba1307a48bcc901d747be06b09ad68cfac9fef325c50ccbb2f11f", 106634, 9453184, 926},
    {"mobilenetv2",  "09d3f90df7ff71e4aeb33791e65d9f5b5c78ab8b11fc95d3cdc21ef13af7cbdb",  85490, 5841744, 924},
    {"resnet",       "a717b4985adec1a0659c6b8748a714fcf4ad6e29440a7822ee73262360252b9e", 174410, 20183936, 939},
    {"shufflenet",   "e3aa24ce40b0155a80e6461b0eb2c66de0a0ca7ecf50f6187d3dbc6de7d661fb", 201938, 5897840, 925},
    // clang-format on
};

TEST(Sha256, KnownVectorsAndIncrementalUpdates) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256().update("ab").update("").update("c").hex_digest(), sha256_hex("abc"));
  // FIPS 180-2's two-block message.
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string file = nnd::testing::write_file("abc.txt", "abc");
  EXPECT_EQ(sha256_file(file), sha256_hex("abc"));
  EXPECT_EQ(nnd::testing::user_error([] { sha256_file("/nonexistent/f"); }),
            "/nonexistent/f: cannot open file");
}

void PrintTo(const ZooModel& model, std::ostream* os) { *os << model.name; }

class Zoo : public ::testing::TestWithParam<ZooModel> {};

TEST_P(Zoo, ChecksumMatchesTheCommittedFile) {
  EXPECT_EQ(sha256_file(kZoo + GetParam().name + ".onnx"), GetParam().sha256);
}

TEST_P(Zoo, ParametersAndMultiplyAdds) {
  CardedModel model = load_carded_model(kZoo + GetParam().name + ".onnx");
  ModelStats stats = model_stats(model.model);
  EXPECT_EQ(stats.parameters, GetParam().parameters);
  EXPECT_EQ(stats.multiply_adds, GetParam().multiply_adds);
  EXPECT_EQ(stats.nodes_without_shapes, 0);
}

// Ref's exact count of correct predictions on the first 1000 test images (zoo/MODELS.md).
TEST_P(Zoo, RefCountsCorrectPredictionsExactly) {
  CardedModel model = load_carded_model(kZoo + GetParam().name + ".onnx");
  auto session = prepare_in_process(model, backends::EnvSpec::parse("ref@cpu:O2"));
  DatasetSpec spec = DatasetSpec::parse("fashion-mnist:test");
  spec.limit = 1000;
  std::unique_ptr<Dataset> dataset = open_dataset(spec);
  Evaluation e = evaluate(*session, *dataset, model.card);
  EXPECT_EQ(e.labelled(), static_cast<int64_t>(*spec.limit));
  EXPECT_TRUE(e.unreadable.empty());
  EXPECT_EQ(e.nan_outputs, 0u);
  EXPECT_EQ(e.correct(), GetParam().correct_of_1000);
}

INSTANTIATE_TEST_SUITE_P(Models, Zoo, ::testing::ValuesIn(kModels),
                         [](const ::testing::TestParamInfo<ZooModel>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace nnd::data
