// Prepared tensors for a model without a card (issue 14): npy, npz (what np.savez and
// np.savez_compressed write), folders of ONNX TensorProto files, random inputs; shapes from the
// model with --shape for symbolic dimensions; and the bad inputs, each one line naming it.
#include "data/feeds.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "data/npy_bytes.h"
#include "data/npz.h"
#include "data_test_util.h"
#include "detect_models.h"
#include "onnx/tensor_proto.h"

namespace nnd::data {
namespace {

using nnd::testing::user_error;

std::vector<InputSpec> two_inputs() {
  return {{"a", DType::kFloat32, {1, 3}}, {"b", DType::kFloat32, {1, 3}}};
}

TEST(Feeds, NpzArraysFeedInputsByNameRowByRow) {
  const std::string path = nnd::testing::temp_path("two.npz");
  // a: 2 inputs of [1,3] given as rows of [2,1,3]; b: 2 inputs of batch 1 given as [2,3].
  write_npz({{"a", Tensor::of<float>({2, 1, 3}, {1, 2, 3, 4, 5, 6})},
             {"b", Tensor::of<float>({2, 3}, {7, 8, 9, 10, 11, 12})}},
            path);
  std::vector<Feed> feeds = read_feeds(DatasetSpec::parse("npz:" + path), two_inputs());
  ASSERT_EQ(feeds.size(), 2u);
  EXPECT_EQ(feeds[1].key, "npz:" + path + "#1");
  EXPECT_EQ(feeds[1].inputs.at("a").shape(), (Shape{1, 3}));
  EXPECT_EQ(feeds[1].inputs.at("a").to_floats(), (std::vector<float>{4, 5, 6}));
  EXPECT_EQ(feeds[1].inputs.at("b").to_floats(), (std::vector<float>{10, 11, 12}));
  EXPECT_EQ(read_feeds(DatasetSpec::parse("npz:" + path + ",limit=1"), two_inputs()).size(), 1u);

  // An archive without one of the inputs names what it has.
  write_npz({{"a", Tensor::of<float>({1, 3}, {1, 2, 3})}}, path);
  EXPECT_NE(user_error([&] {
              read_feeds(DatasetSpec::parse("npz:" + path), two_inputs());
            }).find("no array named 'b' for the model's input (the archive has 'a')"),
            std::string::npos);
}

// The bytes of a zip archive of one deflated member, as np.savez_compressed writes it.
std::string deflated_npz(const std::string& member, const std::string& data) {
  std::string packed(compressBound(data.size()) + 16, '\0');
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(packed.data());
  z.avail_out = static_cast<uInt>(packed.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  packed.resize(z.total_out);
  deflateEnd(&z);
  const auto crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  std::string out, dir;
  auto put = [](std::string& s, uint64_t v, int width) {
    for (int i = 0; i < width; ++i) s += static_cast<char>(v >> (8 * i) & 0xff);
  };
  for (bool central : {false, true}) {
    std::string& s = central ? dir : out;
    put(s, central ? 0x02014b50 : 0x04034b50, 4);
    if (central) put(s, 20, 2);
    put(s, 20, 2);
    put(s, 0, 2);
    put(s, 8, 2);  // deflate
    put(s, 0, 4);
    put(s, crc, 4);
    put(s, packed.size(), 4);
    put(s, data.size(), 4);
    put(s, member.size(), 2);
    put(s, 0, 2);
    if (central) put(s, 0, 14);  // comment, disk, attributes, offset 0
    s += member;
    if (!central) s += packed;
  }
  const size_t at = out.size();
  out += dir;
  put(out, 0x06054b50, 4);
  put(out, 0, 4);
  put(out, 1, 2);
  put(out, 1, 2);
  put(out, dir.size(), 4);
  put(out, at, 4);
  put(out, 0, 2);
  return out;
}

TEST(Feeds, CompressedNpzAndNpyOfAnyTypeAreRead) {
  const Tensor ids = Tensor::of<int64_t>({2, 2}, {3, -1, 7, 1LL << 40});
  const std::string path =
      nnd::testing::write_file("ids.npz", deflated_npz("ids.npy", npy_bytes(ids)));
  std::map<std::string, Tensor> arrays = read_npz(path);
  ASSERT_EQ(arrays.count("ids"), 1u);
  EXPECT_EQ(arrays.at("ids").dtype(), DType::kInt64);
  EXPECT_EQ(arrays.at("ids").to_doubles(), ids.to_doubles());
  // One array feeds a one-input model whatever its name.
  std::vector<Feed> feeds =
      read_feeds(DatasetSpec::parse("npz:" + path), {{"tokens", DType::kInt64, {1, 2}}});
  ASSERT_EQ(feeds.size(), 2u);
  EXPECT_EQ(feeds[1].inputs.at("tokens").to_doubles(), (std::vector<double>{7, 1LL << 40}));

  const std::string npy =
      nnd::testing::write_file("d.npy", npy_bytes(Tensor::of<double>({2}, {1, 2})));
  EXPECT_EQ(parse_npy(nnd::testing::read_bytes(npy), npy).dtype(), DType::kFloat64);
  // A type the model does not take is named with the input.
  EXPECT_NE(user_error([&] {
              read_feeds(DatasetSpec::parse("npy:" + npy), {{"x", DType::kFloat32, {2}}});
            }).find("array for input 'x' is float64, but the model's input is float32"),
            std::string::npos);
}

TEST(Feeds, PbFoldersAreMatchedByTensorNameOrFileOrder) {
  const std::string dir = nnd::testing::fresh_dir("pb");
  // ONNX's test-data layout: one sub-folder per input set, outputs beside the inputs.
  for (int set = 0; set < 2; ++set) {
    const std::string sub = dir + "/test_data_set_" + std::to_string(set);
    std::filesystem::create_directories(sub);
    const float v = static_cast<float>(set);
    onnx_io::save_tensor_file(Tensor::of<float>({1, 3}, {v, v, v}), "b", sub + "/input_1.pb");
    onnx_io::save_tensor_file(Tensor::of<float>({1, 3}, {9, 9, 9}), "a", sub + "/input_0.pb");
    onnx_io::save_tensor_file(Tensor::of<float>({1, 3}, {0, 0, 0}), "s", sub + "/output_0.pb");
  }
  std::vector<Feed> feeds = read_feeds(DatasetSpec::parse("pb:" + dir), two_inputs());
  ASSERT_EQ(feeds.size(), 2u);
  EXPECT_EQ(feeds[1].key, "pb:" + dir + "/test_data_set_1");
  EXPECT_EQ(feeds[1].inputs.at("a").to_floats(), (std::vector<float>{9, 9, 9}));
  EXPECT_EQ(feeds[1].inputs.at("b").to_floats(), (std::vector<float>{1, 1, 1}));

  // Unnamed tensors go to the inputs in file order; one of the wrong type is named.
  const std::string flat = nnd::testing::fresh_dir("pb-flat");
  onnx_io::save_tensor_file(Tensor::of<float>({1, 3}, {1, 2, 3}), "", flat + "/input_0.pb");
  onnx_io::save_tensor_file(Tensor::of<double>({1, 3}, {1, 2, 3}), "", flat + "/input_1.pb");
  EXPECT_NE(
      user_error([&] {
        read_feeds(DatasetSpec::parse("pb:" + flat), two_inputs());
      }).find("input_1.pb: tensor for input 'b' is float64, but the model's input is float32"),
      std::string::npos);
}

TEST(Feeds, RandomInputsTakeShapesFromTheModelAndTheShapeOption) {
  Model model = nnd::testing::bare_model("dyn");
  ValueInfo x = nnd::testing::float_value("x", {1, 3, 8, 8});
  (*x.dims)[0] = Dim{-1, "batch"};
  (*x.dims)[2] = Dim{-1, "height"};
  model.graph.inputs = {x};
  // A symbolic dimension past the batch needs --shape.
  EXPECT_NE(
      user_error([&] {
        read_feeds(DatasetSpec::parse("random:2"), model_inputs(model, {}, "dyn.onnx"));
      }).find("input 'x' has a symbolic dimension 2 ([?,3,?,8]): give its shape with --shape"),
      std::string::npos);
  std::vector<InputSpec> inputs = model_inputs(model, parse_shapes({"x:1x3x5x8"}), "dyn.onnx");
  std::vector<Feed> a = read_feeds(DatasetSpec::parse("random:3,seed=7"), inputs);
  std::vector<Feed> b = read_feeds(DatasetSpec::parse("random:3,seed=7"), inputs);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[2].key, "random:seed=7#2");
  EXPECT_EQ(a[2].inputs.at("x").shape(), (Shape{1, 3, 5, 8}));
  EXPECT_EQ(a[2].inputs.at("x").to_floats(), b[2].inputs.at("x").to_floats());  // seeded
  EXPECT_NE(a[1].inputs.at("x").to_floats(), a[2].inputs.at("x").to_floats());

  // --shape for an input the model lacks, or against a static dimension, is named.
  EXPECT_NE(user_error([&] {
              model_inputs(model, parse_shapes({"y:1x3"}), "dyn.onnx");
            }).find("--shape y: dyn.onnx has no input named 'y' (its inputs: 'x')"),
            std::string::npos);
  EXPECT_NE(user_error([&] {
              model_inputs(model, parse_shapes({"x:1x4x5x8"}), "dyn.onnx");
            }).find("--shape x:1x4x5x8: dimension 1 is 3 in dyn.onnx, which declares [?,3,?,8]"),
            std::string::npos);
  EXPECT_NE(user_error([&] { parse_shapes({"x:1xx3"}); }).find("'' is not a dimension >= 1"),
            std::string::npos);
}

}  // namespace
}  // namespace nnd::data
