// Model cards (parsing, checking against the model) and preprocessing, compared with values
// computed by hand for tiny images that the tests write as PNG files.
#include "data/card.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "build_paths.h"
#include "data/image.h"
#include "data/preprocess.h"
#include "data_test_util.h"
#include "onnx/model_io.h"

namespace nnd::data {
namespace {

using nnd::testing::temp_path;

const std::string kZoo = nnd::test::zoo_dir();

using nnd::testing::user_error;

std::string zoo_card_text(const std::string& name) {
  std::ifstream in(kZoo + name + ".toml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

// A card for tiny test images; `extra` lines override nothing, they are appended.
std::string small_card(int channels, const std::string& layout, const std::string& order,
                       int height, int width, int resize, const std::string& mean,
                       const std::string& std, double scale) {
  return fmt::format(
      "name = \"tiny\"\ninput = \"x\"\noutput = \"y\"\nlayout = \"{}\"\nheight = {}\nwidth = {}\n"
      "channels = {}\nchannel_order = \"{}\"\nresize = {}\nscale = {}\nmean = {}\nstd = {}\n"
      "labels = [\"a\", \"b\"]\n",
      layout, height, width, channels, order, resize, scale, mean, std);
}

// Writes the image as PNG and reads it back, so that decoding is part of what is tested.
Image through_png(const Image& image, const std::string& name) {
  std::string path = temp_path(name);
  write_image(image, path);
  std::string why;
  std::optional<Image> back = read_image(path, why);
  EXPECT_TRUE(back.has_value()) << why;
  return back.value_or(Image{});
}

void expect_floats(const Tensor& t, const Shape& shape, const std::vector<float>& expected) {
  ASSERT_EQ(t.dtype(), DType::kFloat32);
  ASSERT_EQ(t.shape(), shape);
  std::vector<float> got = t.to_floats();
  ASSERT_EQ(got.size(), expected.size());
  // float32 arithmetic on decimal constants: a few ulps from the values computed by hand.
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-6) << "at " << i;
}

// A 2x3 BGR image: pixel (y, x) is (B, G, R) = 10 * (3 * (3y + x) + (1, 2, 3)).
Image bgr_2x3() {
  Image image{2, 3, 3, {}};
  for (int i = 1; i <= 18; ++i) image.pixels.push_back(static_cast<uint8_t>(10 * i));
  return image;
}

// ---------------------------------------------------------------------------- parsing

TEST(Card, ParsesTheZooCard) {
  ModelCard card = load_card(kZoo + "resnet.toml");
  EXPECT_EQ(card.name, "resnet");
  EXPECT_EQ(card.family, "ResNet");
  EXPECT_EQ(card.input, "input");
  EXPECT_EQ(card.output, "logits");
  EXPECT_EQ(card.layout, Layout::kNCHW);
  EXPECT_EQ(card.input_shape(), (Shape{1, 1, 28, 28}));
  EXPECT_EQ(card.resize, 28);
  EXPECT_DOUBLE_EQ(card.scale, 1.0 / 255);
  EXPECT_EQ(card.mean, std::vector<double>{0.2860});
  EXPECT_EQ(card.std, std::vector<double>{0.3530});
  ASSERT_EQ(card.labels.size(), 10u);
  EXPECT_EQ(card.labels[6], "Shirt");
  EXPECT_DOUBLE_EQ(card.training.at("test_accuracy_pytorch"), 0.9181);
  EXPECT_EQ(card_path_for("zoo/resnet.onnx"), "zoo/resnet.toml");
}

TEST(Card, OneValueOfMeanAndStdAppliesToEveryChannelAndDefaults) {
  ModelCard card =
      parse_card(small_card(3, "NHWC", "BGR", 4, 6, 6, "0.5", "[1, 2, 4]", 1), "c.toml");
  EXPECT_EQ(card.mean, (std::vector<double>{0.5, 0.5, 0.5}));
  EXPECT_EQ(card.std, (std::vector<double>{1, 2, 4}));
  EXPECT_EQ(card.input_shape(), (Shape{1, 4, 6, 3}));
  EXPECT_EQ(card.label_offset, 0);
  std::string no_resize =
      replaced(small_card(1, "NCHW", "RGB", 4, 6, 9, "0", "1", 1), "resize = 9\n", "");
  EXPECT_EQ(parse_card(no_resize, "c.toml").resize, 6);
}

TEST(Card, DefectsNameTheCardAndTheKey) {
  const std::string base = zoo_card_text("resnet");
  auto error_for = [](const std::string& text) {
    return user_error([&] { parse_card(text, "m.toml"); });
  };
  EXPECT_EQ(error_for("interpolation = \"cubic\"\n" + base),
            "m.toml: unknown key 'interpolation' in the model card");
  // The [training] table (last in the file) records provenance: any key is fine there.
  EXPECT_EQ(error_for(base + "optimizer = \"adam\"\n"), "");
  EXPECT_EQ(error_for(replaced(base, "height = 28", "")),
            "m.toml: the model card lacks the required key 'height'");
  EXPECT_EQ(error_for(replaced(base, "height = 28", "height = \"28\"")),
            "m.toml: key 'height' must be an integer");
  EXPECT_EQ(error_for(replaced(base, "channels = 1 ", "channels = 2 ")),
            "m.toml: key 'channels' = 2 is not 1 or 3");
  EXPECT_EQ(error_for(replaced(base, "layout = \"NCHW\"", "layout = \"CHW\"")),
            "m.toml: key 'layout' = 'CHW' is not NCHW or NHWC");
  EXPECT_EQ(error_for(replaced(base, "mean = [0.2860]", "mean = [0.1, 0.2]")),
            "m.toml: key 'mean' has 2 values for 1 channel(s)");
  EXPECT_EQ(error_for(replaced(base, "std = [0.3530]", "std = [0]")),
            "m.toml: key 'std' has a value 0 that is not positive");
  EXPECT_EQ(error_for(replaced(base, "resize = 28", "resize = 20")),
            "m.toml: key 'resize' = 20 is smaller than the 28x28 crop");
  EXPECT_EQ(error_for(replaced(base, "\"Bag\"", "\"Shirt\"")),
            "m.toml: label 'Shirt' appears twice in 'labels'");
  std::string message = error_for(replaced(base, "height = 28", "height = = 28"));
  EXPECT_TRUE(message.starts_with("m.toml:8:")) << message;
  EXPECT_NE(message.find("not a valid TOML model card"), std::string::npos) << message;
  EXPECT_EQ(user_error([] { load_card("/nonexistent/m.toml"); }),
            "/nonexistent/m.toml: no model card here");
}

TEST(Card, MustMatchTheModel) {
  const std::string model_path = kZoo + "resnet.onnx";
  Model model = onnx_io::load_model(model_path);
  const std::string base = zoo_card_text("resnet");
  check_card_matches_model(parse_card(base, "ok.toml"), model, model_path);
  EXPECT_EQ(user_error([&] {
              check_card_matches_model(
                  parse_card(replaced(base, "input = \"input\"", "input = \"data\""), "a.toml"),
                  model, model_path);
            }),
            "a.toml: input 'data' is not an input of " + model_path + " (it has 'input')");
  EXPECT_EQ(user_error([&] {
              check_card_matches_model(
                  parse_card(replaced(base, "layout = \"NCHW\"", "layout = \"NHWC\""), "b.toml"),
                  model, model_path);
            }),
            "b.toml: describes input 'input' as [1,28,28,1], but " + model_path +
                " declares [1,1,28,28]");
  EXPECT_EQ(user_error([&] {
              check_card_matches_model(
                  parse_card(replaced(base, "output = \"logits\"", "output = \"probs\""), "c.toml"),
                  model, model_path);
            }),
            "c.toml: output 'probs' is not an output of " + model_path);
  EXPECT_EQ(user_error([&] {
              check_card_matches_model(
                  parse_card(replaced(base, "label_offset = 0", "label_offset = 1"), "d.toml"),
                  model, model_path);
            }),
            "d.toml: label_offset 1 + 10 labels need 11 scores, but output 'logits' of " +
                model_path + " has 10");
}

// ---------------------------------------------------------------------------- preprocessing

TEST(Preprocess, BgrPngToRgbNchwByHand) {
  // Shorter side 2 = resize: no resizing; the 2x2 centre crop of 3 columns starts at column 0.
  ModelCard card = parse_card(
      small_card(3, "NCHW", "RGB", 2, 2, 2, "[0.1, 0.2, 0.3]", "[0.5, 0.25, 2.0]", 0.01), "c");
  Tensor t = preprocess(through_png(bgr_2x3(), "bgr.png"), card);
  // R bytes 30 60 / 120 150: (r/100 - 0.1) / 0.5; G 20 50 / 110 140: (g/100 - 0.2) / 0.25;
  // B 10 40 / 100 130: (b/100 - 0.3) / 2.
  expect_floats(t, {1, 3, 2, 2},
                {0.4f, 1.0f, 2.2f, 2.8f, 0.0f, 1.2f, 3.6f, 4.8f, -0.1f, 0.05f, 0.35f, 0.5f});
}

TEST(Preprocess, BgrOrderNhwcAndCentreCrop) {
  ModelCard card = parse_card(
      small_card(3, "NHWC", "BGR", 2, 2, 2, "[0.1, 0.2, 0.3]", "[0.5, 0.25, 2.0]", 0.01), "c");
  Tensor t = preprocess(through_png(bgr_2x3(), "bgr.png"), card);
  expect_floats(t, {1, 2, 2, 3},
                {0.0f, 0.0f, 0.0f, 0.6f, 1.2f, 0.15f, 1.8f, 3.6f, 0.45f, 2.4f, 4.8f, 0.6f});
  // A 1x1 crop of the 2x3 image is its pixel (0, 1): B 40, G 50, R 60.
  ModelCard one = parse_card(small_card(3, "NCHW", "BGR", 1, 1, 2, "0", "1", 1), "c");
  expect_floats(preprocess(bgr_2x3(), one), {1, 3, 1, 1}, {40, 50, 60});
}

TEST(Preprocess, GrayscaleAndColourConversions) {
  Image gray{2, 2, 1, {50, 200, 0, 255}};
  ModelCard colour = parse_card(small_card(3, "NCHW", "RGB", 2, 2, 2, "0", "1", 1), "c");
  expect_floats(preprocess(through_png(gray, "gray.png"), colour), {1, 3, 2, 2},
                {50, 200, 0, 255, 50, 200, 0, 255, 50, 200, 0, 255});
  // Red, green, blue, white in BGR; OpenCV's fixed-point 0.299 R + 0.587 G + 0.114 B.
  Image rgbw{2, 2, 3, {0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255}};
  ModelCard mono = parse_card(small_card(1, "NCHW", "RGB", 2, 2, 2, "0", "1", 1), "c");
  expect_floats(preprocess(through_png(rgbw, "rgbw.png"), mono), {1, 1, 2, 2}, {76, 150, 29, 255});
}

TEST(Preprocess, ShorterSideResizedByAreaThenCentreCropped) {
  // 4x8 grayscale of constant 2x2 blocks 10 20 30 40 / 50 60 70 80: halved to 2x4 exactly, then
  // the 2x2 centre crop takes columns 1 and 2.
  Image image{4, 8, 1, {}};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 8; ++x)
      image.pixels.push_back(static_cast<uint8_t>(10 * (1 + x / 2 + 4 * (y / 2))));
  ModelCard card = parse_card(small_card(1, "NCHW", "RGB", 2, 2, 2, "0", "1", 1), "c");
  expect_floats(preprocess(through_png(image, "blocks.png"), card), {1, 1, 2, 2}, {20, 30, 60, 70});
  // A tall image: the width is the shorter side.
  Image tall{8, 4, 1, {}};
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 4; ++x) tall.pixels.push_back(static_cast<uint8_t>(10 * (1 + y / 2)));
  expect_floats(preprocess(tall, card), {1, 1, 2, 2}, {20, 20, 30, 30});
}

TEST(Preprocess, ZooCardOnAFashionMnistPixel) {
  ModelCard card = load_card(kZoo + "mobilenetv2.toml");
  Image image{28, 28, 1, std::vector<uint8_t>(28 * 28, 0)};
  image.pixels[28 * 3 + 5] = 255;
  Tensor t = preprocess(image, card);
  ASSERT_EQ(t.shape(), (Shape{1, 1, 28, 28}));
  EXPECT_FLOAT_EQ(t.data<float>()[0], (0.0f - 0.286f) / 0.353f);
  EXPECT_FLOAT_EQ(t.data<float>()[28 * 3 + 5], (1.0f - 0.286f) / 0.353f);
}

}  // namespace
}  // namespace nnd::data
