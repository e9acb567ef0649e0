// `nndelta eval` as a user runs it: reports on Fashion-MNIST, image folders and npy files, and
// the one-line errors (exit code 2) for bad datasets, labels and cards. Plus the statistics.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "build_paths.h"
#include "cli_runner.h"
#include "data/dataset.h"
#include "data/evaluate.h"
#include "data/npy.h"
#include "data/preprocess.h"
#include "data_test_util.h"
#include "onnx/model_io.h"

namespace nnd::data {
namespace {

namespace fs = std::filesystem;
using nnd::testing::fresh_dir;
using nnd::testing::idx_bytes;
using nnd::testing::read_bytes;
using nnd::testing::temp_path;
using nnd::testing::write_gzip;

const std::string kZoo = nnd::test::zoo_dir();
const std::string kModel = kZoo + "mobilenetv2.onnx";

// A tiny linear classifier with the zoo's input, output and card: for the error tests, where
// loading a real model would only add time.
std::string tiny_model() {
  Model m;
  m.opsets = {{"", 13}};
  m.source_path = "tiny";
  Graph& g = m.graph;
  g.name = "tiny";
  g.inputs = {nnd::testing::float_value("input", {1, 1, 28, 28})};
  g.outputs = {nnd::testing::float_value("logits", {1, 10})};
  std::vector<float> w(10 * 784);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 13) / 100.0f - 0.06f;
  g.initializers["w"] = Tensor::of<float>({10, 784}, w);
  g.initializers["b"] = Tensor(DType::kFloat32, {10});
  Node flatten;
  flatten.op_type = "Flatten";
  flatten.inputs = {"input"};
  flatten.outputs = {"flat"};
  Node gemm;
  gemm.op_type = "Gemm";
  gemm.inputs = {"flat", "w", "b"};
  gemm.outputs = {"logits"};
  gemm.attributes["transB"] = Attribute{int64_t{1}};
  g.nodes = {flatten, gemm};
  std::string path = temp_path("tiny.onnx");
  onnx_io::save_model(m, path);
  std::string card = read_bytes(kZoo + "mobilenetv2.toml");
  std::ofstream(temp_path("tiny.toml")) << card;
  return path;
}

using Result = nnd::testing::CliResult;
using nnd::testing::expect_one_line_error;
Result run(const std::string& args, const std::string& env = "") {
  return nnd::testing::run_cli(args, env);
}

std::string line_starting(const std::string& out, const std::string& prefix) {
  size_t at = out.find("\n" + prefix);
  if (at == std::string::npos) return "";
  return out.substr(at + 1, out.find('\n', at + 1) - at - 1);
}

// The first `count` Fashion-MNIST test images as PNG files in class folders named by label index.
std::string write_test_images(const std::string& name, size_t count) {
  std::string dir = fresh_dir(name);
  std::unique_ptr<Dataset> d = open_dataset(DatasetSpec::parse("fashion-mnist:test"));
  for (size_t i = 0; i < count; ++i) {
    Item item = d->item(i);
    std::string folder = dir + "/" + std::to_string(*item.label->index);
    fs::create_directories(folder);
    write_image(*item.image, fmt::format("{}/{:04}.png", folder, i));
  }
  return dir;
}

TEST(Eval, FashionMnistReportsAccuracyIntervalClassesAndConfusions) {
  Result r = run("eval " + kModel + " --dataset fashion-mnist:test --limit 200");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // 186 of the first 200, measured with ref (see zoo/MODELS.md); Wilson interval by hand.
  EXPECT_EQ(line_starting(r.out, "accuracy"),
            "accuracy 93.00% (186/200), 95% CI 88.59%–95.78% (Wilson)");
  EXPECT_NE(r.out.find("env      ref@cpu:O2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("using the first 200"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  Trouser          27       27  100.00%    100.00%"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  Coat → Pullover  2"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("unreadable"), std::string::npos) << r.out;
}

TEST(Eval, ImageFolderCountsAndReportsUnreadableImages) {
  std::string dir = write_test_images("folder", 30);
  std::ofstream(dir + "/3/broken.png") << "not a png";
  Result folder = run("eval " + kModel + " --dataset images:" + dir);
  ASSERT_EQ(folder.exit_code, 0) << folder.out;
  EXPECT_NE(
      folder.out.find("unreadable  " + dir +
                      "/3/broken.png: not an image (no format OpenCV decodes starts like this)"),
      std::string::npos)
      << folder.out;
  EXPECT_NE(folder.out.find("unreadable 1 of 31 items (listed above): not counted in the accuracy"),
            std::string::npos)
      << folder.out;
  // PNG is lossless: the same 30 images give the same result as the IDX file.
  Result idx = run("eval " + kModel + " --dataset fashion-mnist:test,limit=30");
  ASSERT_EQ(idx.exit_code, 0) << idx.out;
  std::string accuracy = line_starting(idx.out, "accuracy");
  EXPECT_TRUE(accuracy.starts_with("accuracy ")) << idx.out;
  EXPECT_NE(accuracy.find("/30)"), std::string::npos) << accuracy;
  EXPECT_EQ(line_starting(folder.out, "accuracy"), accuracy);
}

TEST(Eval, NpyOfPreprocessedInputsGivesTheSameAnswers) {
  ModelCard card = load_card(kZoo + "mobilenetv2.toml");
  std::unique_ptr<Dataset> d = open_dataset(DatasetSpec::parse("fashion-mnist:test,limit=12"));
  std::vector<float> values;
  std::string labels;
  for (size_t i = 0; i < d->size(); ++i) {
    Item item = d->item(i);
    std::vector<float> x = preprocess(*item.image, card).to_floats();
    values.insert(values.end(), x.begin(), x.end());
    labels += std::to_string(*item.label->index) + "\n";
  }
  std::string npy = temp_path("first12.npy");
  write_npy(Tensor::of<float>({12, 1, 28, 28}, values), npy);
  std::ofstream(npy + ".labels") << labels;
  Result r = run("eval " + kModel + " --dataset npy:" + npy);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  Result idx = run("eval " + kModel + " --dataset fashion-mnist:test --limit 12");
  EXPECT_EQ(line_starting(r.out, "accuracy"), line_starting(idx.out, "accuracy")) << r.out;

  // Without labels: predicted classes only.
  fs::remove(npy + ".labels");
  Result unlabelled = run("eval " + kModel + " --dataset npy:" + npy);
  ASSERT_EQ(unlabelled.exit_code, 0) << unlabelled.out;
  EXPECT_NE(unlabelled.out.find("unlabelled 12 images: no accuracy for them"), std::string::npos);
  EXPECT_NE(unlabelled.out.find("predicted classes"), std::string::npos);
}

TEST(Eval, SampledLimitIsReproducible) {
  Result a = run("eval " + kModel + " --dataset fashion-mnist:test --limit 20 --seed 3");
  Result b = run("eval " + kModel + " --dataset fashion-mnist:test,limit=20,seed=3");
  ASSERT_EQ(a.exit_code, 0) << a.out;
  EXPECT_NE(a.out.find("using 20 sampled with seed 3"), std::string::npos) << a.out;
  EXPECT_EQ(line_starting(a.out, "accuracy"), line_starting(b.out, "accuracy"));
}

TEST(EvalErrors, MissingAndCorruptDatasetFiles) {
  const std::string model = tiny_model();
  const std::string eval = "eval " + model + " --dataset fashion-mnist:test";
  expect_one_line_error(run(eval, "NNDELTA_FASHION_MNIST=/nonexistent"),
                        "/nonexistent/t10k-images-idx3-ubyte.gz: no such file");

  std::string dir = fresh_dir("idx");
  const std::string images = dir + "/t10k-images-idx3-ubyte.gz";
  const std::string labels = dir + "/t10k-labels-idx1-ubyte.gz";
  write_gzip(images, idx_bytes({3, 28, 28}, std::vector<uint8_t>(3 * 28 * 28, 9)));
  write_gzip(labels, idx_bytes({2}, {1, 2}));
  expect_one_line_error(run(eval, "NNDELTA_FASHION_MNIST=" + dir),
                        images + " has 3 images but " + labels + " has 2 labels");

  std::string compressed = read_bytes(images);
  std::ofstream(images, std::ios::binary) << compressed.substr(0, compressed.size() - 10);
  expect_one_line_error(run(eval, "NNDELTA_FASHION_MNIST=" + dir),
                        images + ": gzip data cut short");

  write_gzip(images, "P5\n28 28\n255\n" + std::string(28 * 28, '\0'));
  expect_one_line_error(run(eval, "NNDELTA_FASHION_MNIST=" + dir),
                        images + ": not an IDX file (magic 50350a32");

  expect_one_line_error(run("eval " + model + " --dataset images:/nonexistent/photos"),
                        "/nonexistent/photos: no such file or folder");
  expect_one_line_error(run("eval " + model + " --dataset mnist:test"), "unknown kind 'mnist'");
}

TEST(EvalErrors, LabelOutsideTheCardNamesTheFile) {
  const std::string model = tiny_model();
  std::string dir = write_test_images("labels", 2);
  fs::create_directories(dir + "/Jacket");
  fs::copy_file(dir + "/9/0000.png", dir + "/Jacket/j.png");
  expect_one_line_error(run("eval " + model + " --dataset images:" + dir),
                        dir + "/Jacket/j.png: label 'Jacket' is not one of the card's labels");

  std::string npy = temp_path("one.npy");
  write_npy(Tensor(DType::kFloat32, {1, 1, 28, 28}), npy);
  std::ofstream(npy + ".labels") << "10\n";
  expect_one_line_error(
      run("eval " + model + " --dataset npy:" + npy),
      npy + " (row 0): label 10 of npy:" + npy + "#0 is outside the card's 10 labels (0 to 9)");
}

TEST(EvalErrors, NpyOfTheWrongShapeNamesTheFileAndTheCard) {
  const std::string model = tiny_model();
  std::string npy = temp_path("small.npy");
  write_npy(Tensor(DType::kFloat32, {2, 1, 14, 14}), npy);
  expect_one_line_error(run("eval " + model + " --dataset npy:" + npy),
                        npy + " (row 0): input of shape [1,1,14,14] does not match " +
                            temp_path("tiny.toml") + ", which describes [1,1,28,28]");
}

TEST(EvalErrors, CardProblemsNameTheFileAndKey) {
  const std::string model = tiny_model();
  std::string text = read_bytes(kZoo + "mobilenetv2.toml");
  std::string wrong_input = nnd::testing::write_file(
      "input.toml", std::regex_replace(text, std::regex("input = \"input\""), "input = \"data\""));
  expect_one_line_error(
      run("eval " + model + " --card " + wrong_input + " --dataset fashion-mnist:test"),
      wrong_input + ": input 'data' is not an input of " + model);
  std::string unknown = nnd::testing::write_file("unknown.toml", "colour = true\n" + text);
  expect_one_line_error(
      run("eval " + model + " --card " + unknown + " --dataset fashion-mnist:test"),
      unknown + ": unknown key 'colour' in the model card");
  // A model without a card beside it.
  std::string alone = temp_path("alone.onnx");
  fs::copy_file(model, alone, fs::copy_options::overwrite_existing);
  expect_one_line_error(run("eval " + alone + " --dataset fashion-mnist:test"),
                        temp_path("alone.toml") + ": no model card beside " + alone);
}

TEST(EvalErrors, EnvironmentsThatCannotRunHere) {
  const std::string model = tiny_model();
  expect_one_line_error(run("eval " + model + " --dataset fashion-mnist:test --env tvm@cpu:O3"),
                        "environment 'tvm@cpu:O3' cannot run here: unknown framework 'tvm'");
  expect_one_line_error(run("eval " + model + " --dataset fashion-mnist:test --env ref@cuda"),
                        "environment 'ref@cuda:O2' cannot run here: ref runs on cpu only");
  expect_one_line_error(run("eval " + model + " --dataset fashion-mnist:test --seed 4"),
                        "--seed samples --limit items; give --limit too");
}

// ---------------------------------------------------------------------------- statistics

TEST(Statistics, WilsonScoreInterval) {
  // Reference values from the closed form in Python (z = 1.959963984540054).
  Interval a = wilson_interval(186, 200);
  EXPECT_NEAR(a.low, 0.8859451911438936, 1e-12);
  EXPECT_NEAR(a.high, 0.9578478281716571, 1e-12);
  Interval b = wilson_interval(918, 1000);
  EXPECT_NEAR(b.low, 0.8993527833262955, 1e-12);
  EXPECT_NEAR(b.high, 0.9334480465797805, 1e-12);
  Interval none = wilson_interval(0, 10);
  EXPECT_EQ(none.low, 0);
  EXPECT_NEAR(none.high, 0.2775327998628892, 1e-12);
  Interval all = wilson_interval(10, 10);
  EXPECT_NEAR(all.low, 0.7224672001371107, 1e-12);
  EXPECT_NEAR(all.high, 1.0, 1e-12);
  Interval empty = wilson_interval(0, 0);
  EXPECT_EQ(empty.low, 0);
  EXPECT_EQ(empty.high, 1);
}

TEST(Statistics, TopConfusionsLargestFirst) {
  Evaluation e;
  e.labels = {"a", "b", "c"};
  e.confusion = {{5, 1, 4}, {7, 9, 0}, {4, 2, 8}};
  EXPECT_EQ(e.labelled(), 40);
  EXPECT_EQ(e.correct(), 22);
  std::vector<Confusion> top = top_confusions(e, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].truth, 1u);  // b -> a 7
  EXPECT_EQ(top[0].predicted, 0u);
  EXPECT_EQ(top[0].count, 7);
  EXPECT_EQ(top[1].truth, 0u);  // a -> c 4 before c -> a 4: ties keep class order
  EXPECT_EQ(top[1].predicted, 2u);
  EXPECT_EQ(top[2].truth, 2u);
  EXPECT_EQ(top[2].predicted, 0u);
}

TEST(Statistics, PredictedClassSkipsNaNAndHonoursTheOffset) {
  ModelCard card = load_card(kZoo + "resnet.toml");
  card.label_offset = 1;
  card.labels = {"x", "y", "z"};
  bool nan = false;
  EXPECT_EQ(predicted_class(Tensor::of<float>({1, 4}, {9, 1, 3, 2}), card, &nan), 1u);
  EXPECT_FALSE(nan);
  EXPECT_EQ(predicted_class(Tensor::of<float>({1, 4}, {0, 1, NAN, 2}), card, &nan), 2u);
  EXPECT_TRUE(nan);
}

}  // namespace
}  // namespace nnd::data
