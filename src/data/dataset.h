#pragma once
// Datasets: numbered items, each an image to preprocess (or an already preprocessed tensor) with
// an optional ground-truth label. A dataset is named by a spec string:
//   fashion-mnist:test | fashion-mnist:train   IDX files in $NNDELTA_FASHION_MNIST or
//                                               /usr/share/datasets/fashion-mnist
//   images:DIR        one sub-folder per class (the folder name is the label), or a flat folder
//                     with DIR/labels.csv (`file,label` lines), or a flat folder without labels
//   images:FILE.csv   `file,label` lines, files relative to the CSV's folder
//   npy:FILE.npy      N x ... float32 model inputs; labels from FILE.npy.labels (one integer per
//                     line) when that file exists
// optionally followed by `,limit=N` (the first N items) and `,seed=S` (N items sampled with
// seed S instead of the first N).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "data/image.h"

namespace nnd::data {

// A ground-truth label as the dataset gives it: an index into the card's label list (IDX, npy)
// or a name (image folders, CSV). Resolved against a model card by resolve_label().
struct Label {
  std::optional<int64_t> index;
  std::string name;
};

struct Item {
  std::string key;     // stable across runs: "fashion-mnist:test#17", "images:DIR/cat/1.png"
  std::string source;  // the file the item came from, for messages
  std::optional<Image> image;   // set for image datasets that decoded
  std::optional<Tensor> input;  // set for datasets of preprocessed inputs (npy)
  std::optional<Label> label;   // nullopt for unlabelled datasets
  std::string error;            // why the item could not be read; empty when it could

  bool readable() const { return error.empty(); }
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual size_t size() const = 0;
  // Items are read on demand; an unreadable item comes back with `error` set instead of failing.
  virtual Item item(size_t index) = 0;
  // A line saying what was read, e.g. "fashion-mnist:test (10000 images, 28x28, 10 classes)".
  virtual std::string description() const = 0;
};

struct DatasetSpec {
  std::string kind;      // fashion-mnist, images, npy
  std::string location;  // split name or path
  std::optional<size_t> limit;
  std::optional<uint64_t> seed;

  // Parses the spelling above; a malformed spec is a UserError quoting it.
  static DatasetSpec parse(const std::string& text);
  std::string canonical() const;
};

// Opens (and checks) the dataset. A missing or malformed file is a UserError naming it.
std::unique_ptr<Dataset> open_dataset(const DatasetSpec& spec);

// `count` indices out of `total`: the first ones, or with a seed a uniform sample without
// replacement (the same on every platform: mt19937_64 and a partial Fisher-Yates shuffle),
// returned in increasing order.
std::vector<size_t> choose_indices(size_t total, size_t count, std::optional<uint64_t> seed);

// The index into `labels` of an item's label; a label that is not in the list (or an index
// outside it) is a UserError naming the item's file.
size_t resolve_label(const Label& label, const std::vector<std::string>& labels, const Item& item);

std::unique_ptr<Dataset> open_fashion_mnist(const std::string& split);
std::unique_ptr<Dataset> open_image_folder(const std::string& path);
std::unique_ptr<Dataset> open_npy(const std::string& path);

}  // namespace nnd::data
