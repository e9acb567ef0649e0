// Dataset readers on small files the tests write themselves (IDX, image folders, CSV, npy), the
// dataset spec, sampling, and Fashion-MNIST as Debian installs it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/dataset.h"
#include "data/idx.h"
#include "data/image.h"
#include "data/item_key.h"
#include "data/npy.h"
#include "data_test_util.h"

namespace nnd::data {
namespace {

namespace fs = std::filesystem;
using nnd::testing::temp_path;

using nnd::testing::fresh_dir;
using nnd::testing::idx_bytes;
using nnd::testing::read_bytes;
using nnd::testing::ScopedEnv;
using nnd::testing::user_error;
using nnd::testing::write_gzip;

Image ramp_image(int height, int width, int channels, int start = 0) {
  Image image{height, width, channels, {}};
  for (int i = 0; i < height * width * channels; ++i)
    image.pixels.push_back(static_cast<uint8_t>(start + 7 * i));
  return image;
}

// ---------------------------------------------------------------------------- IDX

TEST(Idx, ReadsGzippedAndPlainFiles) {
  std::vector<uint8_t> values = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  std::string gz = temp_path("a.idx.gz");
  write_gzip(gz, idx_bytes({3, 2, 2}, values));
  IdxArray a = read_idx(gz);
  EXPECT_EQ(a.dims, (std::vector<int64_t>{3, 2, 2}));
  EXPECT_EQ(a.values, values);
  std::string plain = nnd::testing::write_file("a.idx", idx_bytes({12}, values));
  IdxArray b = read_idx(plain);
  EXPECT_EQ(b.dims, (std::vector<int64_t>{12}));
  EXPECT_EQ(b.values, values);
}

TEST(Idx, DefectsAreErrorsNamingTheFile) {
  std::string full = idx_bytes({4, 5, 5}, std::vector<uint8_t>(100, 200));

  EXPECT_EQ(user_error([] { read_idx("/nonexistent/x.gz"); }), "/nonexistent/x.gz: no such file");

  // A gzip stream cut short: the compressed bytes of 100 pixels, minus the tail.
  std::string gz = temp_path("whole.gz");
  write_gzip(gz, full);
  std::string compressed = read_bytes(gz);
  std::string cut =
      nnd::testing::write_file("cut.gz", compressed.substr(0, compressed.size() - 12));
  std::string message = user_error([&] { read_idx(cut); });
  EXPECT_TRUE(message.starts_with(cut + ": gzip data cut short")) << message;

  std::string bad_magic = temp_path("magic.gz");
  write_gzip(bad_magic, "\x12\x34\x56\x78" + full.substr(4));
  message = user_error([&] { read_idx(bad_magic); });
  EXPECT_TRUE(message.starts_with(bad_magic + ": not an IDX file (magic 12345678")) << message;

  std::string floats = temp_path("floats.gz");
  write_gzip(floats, std::string("\0\0\x0d\x01", 4) + full.substr(4));
  EXPECT_NE(user_error([&] { read_idx(floats); }).find("type 0x0d is not supported"),
            std::string::npos);

  std::string short_data = temp_path("short.gz");
  write_gzip(short_data, full.substr(0, full.size() - 3));
  EXPECT_EQ(user_error([&] { read_idx(short_data); }),
            short_data + ": IDX header promises 100 bytes of data, the file has 97");

  std::string header_only = temp_path("header.gz");
  write_gzip(header_only, full.substr(0, 6));
  EXPECT_NE(user_error([&] { read_idx(header_only); }).find("IDX header cut short"),
            std::string::npos);

  // Corrupt deflate data (not gzip-cut-short): bytes flipped inside the stream.
  std::string flipped = compressed;
  for (size_t i = 12; i < 20; ++i) flipped[i] = static_cast<char>(~flipped[i]);
  std::string corrupt = nnd::testing::write_file("corrupt.gz", flipped);
  message = user_error([&] { read_idx(corrupt); });
  EXPECT_TRUE(message.starts_with(corrupt + ": ")) << message;
}

TEST(FashionMnist, FilesInAnotherFolderAndTheirMismatches) {
  std::string dir = fresh_dir("fmnist");
  write_gzip(dir + "/t10k-images-idx3-ubyte.gz",
             idx_bytes({3, 2, 2}, {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23}));
  write_gzip(dir + "/t10k-labels-idx1-ubyte.gz", idx_bytes({3}, {4, 0, 9}));
  ScopedEnv env("NNDELTA_FASHION_MNIST", dir);
  std::unique_ptr<Dataset> d = open_dataset(DatasetSpec::parse("fashion-mnist:test"));
  ASSERT_EQ(d->size(), 3u);
  Item item = d->item(2);
  EXPECT_EQ(item.key, "fashion-mnist:test#2");
  ASSERT_TRUE(item.image.has_value());
  EXPECT_EQ(item.image->height, 2);
  EXPECT_EQ(item.image->channels, 1);
  EXPECT_EQ(item.image->pixels, (std::vector<uint8_t>{20, 21, 22, 23}));
  EXPECT_EQ(item.label->index, 9);

  // The key a store records reads back the same item; bad keys name themselves.
  ItemsByKey items;
  Item again = items.item("fashion-mnist:test#2");
  ASSERT_TRUE(again.image.has_value());
  EXPECT_EQ(again.image->pixels, item.image->pixels);
  EXPECT_EQ(items.item("fashion-mnist:test#0").label->index, 4);
  EXPECT_EQ(user_error([&] { items.item("fashion-mnist:test#3"); }),
            "dataset key 'fashion-mnist:test#3': index 3 is past the end of " + d->description());
  EXPECT_EQ(user_error([&] { items.item("fashion-mnist:test"); }),
            "dataset key 'fashion-mnist:test' is not of the form fashion-mnist:SPLIT#N, "
            "images:PATH or npy:PATH#N");
  EXPECT_FALSE(items.item("images:/nonexistent/a.png").readable());

  write_gzip(dir + "/t10k-labels-idx1-ubyte.gz", idx_bytes({2}, {4, 0}));
  EXPECT_EQ(user_error([] { open_fashion_mnist("test"); }),
            dir + "/t10k-images-idx3-ubyte.gz has 3 images but " + dir +
                "/t10k-labels-idx1-ubyte.gz has 2 labels");
  EXPECT_EQ(user_error([] { open_fashion_mnist("train"); }),
            dir + "/train-images-idx3-ubyte.gz: no such file");
}

TEST(FashionMnist, DebianTestSplit) {
  std::unique_ptr<Dataset> d = open_dataset(DatasetSpec::parse("fashion-mnist:test"));
  ASSERT_EQ(d->size(), 10000u);
  // Figures from numpy on the same files: labels 9 2 1 ..., pixel sums 33456 and 24390.
  auto pixel_sum = [](const Item& item) {
    int64_t sum = 0;
    for (uint8_t p : item.image->pixels) sum += p;
    return sum;
  };
  Item first = d->item(0);
  EXPECT_EQ(first.image->height, 28);
  EXPECT_EQ(first.image->width, 28);
  EXPECT_EQ(first.label->index, 9);
  EXPECT_EQ(pixel_sum(first), 33456);
  EXPECT_EQ((std::vector<uint8_t>(first.image->pixels.begin() + 14 * 28 + 10,
                                  first.image->pixels.begin() + 14 * 28 + 14)),
            (std::vector<uint8_t>{0, 0, 98, 136}));
  Item last = d->item(9999);
  EXPECT_EQ(last.label->index, 5);
  EXPECT_EQ(pixel_sum(last), 24390);
}

// ---------------------------------------------------------------------------- spec, sampling

TEST(DatasetSpec, ParsesKindsLimitsAndSeeds) {
  DatasetSpec a = DatasetSpec::parse("fashion-mnist:train");
  EXPECT_EQ(a.kind, "fashion-mnist");
  EXPECT_EQ(a.location, "train");
  EXPECT_FALSE(a.limit.has_value());
  DatasetSpec b = DatasetSpec::parse("images:/data/a,b,limit=5,seed=3");
  EXPECT_EQ(b.location, "/data/a,b");
  EXPECT_EQ(b.limit, 5u);
  EXPECT_EQ(b.seed, 3u);
  EXPECT_EQ(b.canonical(), "images:/data/a,b,limit=5,seed=3");
  EXPECT_NE(user_error([] {
              DatasetSpec::parse("fashion-mnist:val");
            }).find("fashion-mnist has splits 'test' and 'train', not 'val'"),
            std::string::npos);
  EXPECT_NE(user_error([] { DatasetSpec::parse("cifar:test"); }).find("unknown kind 'cifar'"),
            std::string::npos);
  EXPECT_NE(user_error([] {
              DatasetSpec::parse("npy:x.npy,limit=ten");
            }).find("limit 'ten' is not a non-negative integer"),
            std::string::npos);
  EXPECT_NE(user_error([] { DatasetSpec::parse("nokind"); }).find("dataset 'nokind': no kind"),
            std::string::npos);
}

TEST(DatasetSpec, ChooseIndicesFirstOrSampled) {
  EXPECT_EQ(choose_indices(10, 3, std::nullopt), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(choose_indices(3, 10, std::nullopt), (std::vector<size_t>{0, 1, 2}));
  std::vector<size_t> a = choose_indices(10000, 50, 7);
  EXPECT_EQ(a.size(), 50u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::adjacent_find(a.begin(), a.end()), a.end());  // no repeats
  EXPECT_EQ(a, choose_indices(10000, 50, 7));
  EXPECT_NE(a, choose_indices(10000, 50, 8));
  EXPECT_GT(a.back(), 1000u);  // drawn from the whole range, not the first items
  // The sample is fixed by mt19937_64 and the shuffle, the same everywhere.
  EXPECT_EQ(choose_indices(100, 5, 1),
            (std::vector<size_t>(std::initializer_list<size_t>{0, 28, 45, 62, 79})));
  EXPECT_EQ(choose_indices(4, 4, 5), (std::vector<size_t>{0, 1, 2, 3}));
}

TEST(DatasetSpec, LimitAndSeedKeepOriginalKeys) {
  std::unique_ptr<Dataset> d = open_dataset(DatasetSpec::parse("fashion-mnist:test,limit=3"));
  ASSERT_EQ(d->size(), 3u);
  EXPECT_EQ(d->item(2).key, "fashion-mnist:test#2");
  EXPECT_NE(d->description().find("using the first 3"), std::string::npos) << d->description();
  std::unique_ptr<Dataset> s =
      open_dataset(DatasetSpec::parse("fashion-mnist:test,limit=4,seed=11"));
  ASSERT_EQ(s->size(), 4u);
  std::vector<size_t> chosen = choose_indices(10000, 4, 11);
  EXPECT_EQ(s->item(3).key, "fashion-mnist:test#" + std::to_string(chosen[3]));
}

// ---------------------------------------------------------------------------- images

TEST(Image, PngAndBmpRoundTripExactly) {
  for (const char* ext : {".png", ".bmp"})
    for (int channels : {1, 3}) {
      Image image = ramp_image(2, 3, channels, 5);
      std::string path = temp_path(std::string("img") + std::to_string(channels) + ext);
      write_image(image, path);
      std::string why;
      std::optional<Image> back = read_image(path, why);
      ASSERT_TRUE(back.has_value()) << path << ": " << why;
      EXPECT_EQ(back->height, 2);
      EXPECT_EQ(back->width, 3);
      EXPECT_EQ(back->channels, channels);
      EXPECT_EQ(back->pixels, image.pixels) << path;
    }
}

TEST(Image, UnreadableFilesSayWhy) {
  std::string why;
  EXPECT_FALSE(read_image(temp_path("missing.png"), why).has_value());
  EXPECT_EQ(why, "no such file");
  std::string garbage = nnd::testing::write_file("garbage.png", "this is not a PNG file at all");
  EXPECT_FALSE(read_image(garbage, why).has_value());
  EXPECT_EQ(why, "not an image (no format OpenCV decodes starts like this)");
  // A PNG cut in half.
  std::string whole = temp_path("whole.png");
  write_image(ramp_image(16, 16, 3), whole);
  std::string bytes = read_bytes(whole);
  std::string half = nnd::testing::write_file("half.png", bytes.substr(0, bytes.size() / 2));
  EXPECT_FALSE(read_image(half, why).has_value());
  EXPECT_EQ(why, "corrupt or truncated image (OpenCV could not decode it)");
}

TEST(ImageFolder, ClassSubfoldersUnreadableAndIgnoredFiles) {
  std::string dir = fresh_dir("classes");
  fs::create_directories(dir + "/Bag");
  fs::create_directories(dir + "/Trouser");
  write_image(ramp_image(4, 4, 1), dir + "/Bag/b1.png");
  write_image(ramp_image(4, 4, 3), dir + "/Bag/a0.bmp");
  write_image(ramp_image(5, 4, 1), dir + "/Trouser/t.png");
  std::ofstream(dir + "/Trouser/broken.jpg") << "not a jpeg";
  std::ofstream(dir + "/Trouser/notes.txt") << "ignored";
  std::ofstream(dir + "/Trouser/.hidden.png") << "ignored too";

  std::unique_ptr<Dataset> d = open_dataset(DatasetSpec::parse("images:" + dir));
  ASSERT_EQ(d->size(), 4u);
  EXPECT_NE(d->description().find("4 images, 2 class folders"), std::string::npos);
  EXPECT_NE(d->description().find("1 other file(s) ignored"), std::string::npos);
  Item first = d->item(0);  // sorted: Bag/a0.bmp, Bag/b1.png, Trouser/broken.jpg, Trouser/t.png
  EXPECT_EQ(first.key, "images:" + dir + "/Bag/a0.bmp");
  EXPECT_EQ(first.label->name, "Bag");
  EXPECT_EQ(first.image->channels, 3);
  Item broken = d->item(2);
  EXPECT_FALSE(broken.readable());
  EXPECT_EQ(broken.source, dir + "/Trouser/broken.jpg");
  EXPECT_EQ(broken.label->name, "Trouser");
  Item last = d->item(3);
  EXPECT_TRUE(last.readable());
  EXPECT_EQ(last.image->height, 5);

  write_image(ramp_image(4, 4, 1), dir + "/loose.png");
  EXPECT_NE(user_error([&] { open_image_folder(dir); }).find("loose images such as"),
            std::string::npos);
}

TEST(ImageFolder, CsvLabelsFlatFoldersAndMissingFiles) {
  std::string dir = fresh_dir("csv");
  write_image(ramp_image(3, 3, 1), dir + "/one.png");
  write_image(ramp_image(3, 3, 1), dir + "/two, with comma.png");
  std::ofstream(dir + "/labels.csv") << "file,label\none.png,Sandal\n\n# comment\n"
                                        "two, with comma.png , 3\nmissing.png,Bag\n";
  std::unique_ptr<Dataset> d = open_dataset(DatasetSpec::parse("images:" + dir));
  ASSERT_EQ(d->size(), 3u);
  EXPECT_EQ(d->item(0).label->name, "Sandal");
  EXPECT_EQ(d->item(1).label->name, "3");
  EXPECT_TRUE(d->item(1).readable());
  Item missing = d->item(2);
  EXPECT_EQ(missing.error, "no such file");
  EXPECT_EQ(missing.source, dir + "/missing.png");

  // The same CSV named directly, and a malformed line.
  std::string csv = dir + "/other.csv";
  std::ofstream(csv) << "one.png,Bag\nno comma here\n";
  EXPECT_EQ(user_error([&] { open_dataset(DatasetSpec::parse("images:" + csv)); }),
            csv + ":2: expected 'file,label', got 'no comma here'");

  // Without labels.csv a flat folder is unlabelled.
  fs::remove(dir + "/labels.csv");
  std::unique_ptr<Dataset> flat = open_dataset(DatasetSpec::parse("images:" + dir));
  ASSERT_EQ(flat->size(), 2u);
  EXPECT_FALSE(flat->item(0).label.has_value());

  EXPECT_EQ(user_error([] { open_dataset(DatasetSpec::parse("images:/nonexistent/dir")); }),
            "/nonexistent/dir: no such file or folder");
}

TEST(Labels, ResolvedByNameOrIndexElseAnErrorNamingTheFile) {
  std::vector<std::string> labels = {"T-shirt/top", "Trouser", "Bag"};
  Item item;
  item.key = "images:d/x.png";
  item.source = "d/x.png";
  EXPECT_EQ(resolve_label({std::nullopt, "Bag"}, labels, item), 2u);
  EXPECT_EQ(resolve_label({std::nullopt, "0"}, labels, item), 0u);  // folder names lack '/'
  EXPECT_EQ(resolve_label({1, ""}, labels, item), 1u);
  EXPECT_EQ(user_error([&] {
              resolve_label({std::nullopt, "Jacket"}, labels, item);
            }),
            "d/x.png: label 'Jacket' is not one of the card's labels (T-shirt/top, Trouser, Bag)");
  EXPECT_EQ(user_error([&] {
              resolve_label({3, ""}, labels, item);
            }),
            "d/x.png: label 3 of images:d/x.png is outside the card's 3 labels (0 to 2)");
}

// ---------------------------------------------------------------------------- npy

TEST(Npy, RowsAndLabels) {
  std::vector<float> values(2 * 1 * 2 * 3);
  for (size_t i = 0; i < values.size(); ++i) values[i] = 0.5f * static_cast<float>(i) - 1;
  std::string path = temp_path("inputs.npy");
  write_npy(Tensor::of<float>({2, 1, 2, 3}, values), path);
  std::ofstream(path + ".labels") << "7\n2\n";
  std::unique_ptr<Dataset> d = open_dataset(DatasetSpec::parse("npy:" + path));
  ASSERT_EQ(d->size(), 2u);
  Item row = d->item(1);
  EXPECT_EQ(row.key, "npy:" + path + "#1");
  ASSERT_TRUE(row.input.has_value());
  EXPECT_EQ(row.input->shape(), (Shape{1, 1, 2, 3}));
  EXPECT_EQ(row.input->to_floats(), std::vector<float>(values.begin() + 6, values.end()));
  EXPECT_EQ(row.label->index, 2);

  std::ofstream(path + ".labels") << "7\n";
  EXPECT_EQ(user_error([&] { open_npy(path); }),
            path + ".labels has 1 labels but the .npy file has 2 rows");
  std::ofstream(path + ".labels") << "7\nseven\n";
  EXPECT_EQ(user_error([&] { open_npy(path); }),
            path + ".labels:2: 'seven' is not an integer label");
  fs::remove(path + ".labels");
  EXPECT_FALSE(open_npy(path)->item(0).label.has_value());
}

TEST(Npy, HeaderDefectsNameTheFile) {
  std::string good = temp_path("good.npy");
  write_npy(Tensor::of<float>({3, 2}, {1, 2, 3, 4, 5, 6}), good);
  std::string bytes = read_bytes(good);

  std::string doubles = bytes;
  doubles.replace(doubles.find("<f4"), 3, "<f8");
  std::string path = nnd::testing::write_file("f8.npy", doubles);
  EXPECT_EQ(user_error([&] { NpyFile f(path); }),
            path + ": npy dtype '<f8' is not supported (float32, '<f4', only)");

  path = nnd::testing::write_file("cut.npy", bytes.substr(0, bytes.size() - 4));
  EXPECT_EQ(user_error([&] { NpyFile f(path); }),
            path + ": npy shape [3,2] needs 24 bytes of data, the file has 20");

  std::string fortran = bytes;
  fortran.replace(fortran.find("False"), 5, "True ");
  path = nnd::testing::write_file("fortran.npy", fortran);
  EXPECT_NE(user_error([&] { NpyFile f(path); }).find("Fortran order"), std::string::npos);

  path = nnd::testing::write_file("text.npy", "just text");
  EXPECT_EQ(user_error([&] { NpyFile f(path); }), path + ": not a NumPy .npy file (bad magic)");
  EXPECT_EQ(user_error([] { NpyFile f("/nonexistent.npy"); }), "/nonexistent.npy: no such file");
}

TEST(Npy, ReadsWhatNumpyWrites) {
  // Bytes of np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3)) with numpy 1.24.
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  header.append(118 - header.size() - 1, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(118) + '\0' + header;
  for (int i = 0; i < 6; ++i) {
    float f = static_cast<float>(i);
    bytes.append(reinterpret_cast<const char*>(&f), 4);
  }
  std::string path = nnd::testing::write_file("numpy.npy", bytes);
  NpyFile file(path);
  EXPECT_EQ(file.shape(), (Shape{2, 3}));
  EXPECT_EQ(file.row(1).to_floats(), (std::vector<float>{3, 4, 5}));
}

}  // namespace
}  // namespace nnd::data
