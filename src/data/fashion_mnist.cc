// Fashion-MNIST from its IDX files, as Debian's dataset-fashion-mnist package installs them.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "data/dataset.h"
#include "data/idx.h"

namespace nnd::data {

namespace {

constexpr const char* kDefaultDirectory = "/usr/share/datasets/fashion-mnist";

class FashionMnist : public Dataset {
 public:
  FashionMnist(std::string split, std::string images_path, IdxArray images, IdxArray labels)
      : split_(std::move(split)),
        images_path_(std::move(images_path)),
        images_(std::move(images)),
        labels_(std::move(labels)) {}

  size_t size() const override { return static_cast<size_t>(images_.dims[0]); }

  Item item(size_t index) override {
    NND_CHECK(index < size(), "item {} of {}", index, size());
    const int height = static_cast<int>(images_.dims[1]);
    const int width = static_cast<int>(images_.dims[2]);
    const size_t pixels = static_cast<size_t>(height) * width;
    Item item;
    item.key = fmt::format("fashion-mnist:{}#{}", split_, index);
    item.source = fmt::format("{} (image {})", images_path_, index);
    auto first = images_.values.begin() + static_cast<long>(index * pixels);
    item.image =
        Image{height, width, 1, std::vector<uint8_t>(first, first + static_cast<long>(pixels))};
    item.label = Label{labels_.values[index], {}};
    return item;
  }

  std::string description() const override {
    return fmt::format("fashion-mnist:{} ({} images, {}x{}, from {})", split_, size(),
                       images_.dims[1], images_.dims[2], images_path_);
  }

 private:
  std::string split_;
  std::string images_path_;
  IdxArray images_;
  IdxArray labels_;
};

}  // namespace

std::unique_ptr<Dataset> open_fashion_mnist(const std::string& split) {
  NND_CHECK(split == "test" || split == "train", "split '{}'", split);
  const char* override_dir = std::getenv("NNDELTA_FASHION_MNIST");
  std::filesystem::path dir = override_dir && *override_dir ? override_dir : kDefaultDirectory;
  const std::string prefix = split == "test" ? "t10k" : "train";
  const std::string images_path = (dir / (prefix + "-images-idx3-ubyte.gz")).string();
  const std::string labels_path = (dir / (prefix + "-labels-idx1-ubyte.gz")).string();
  IdxArray images = read_idx(images_path);
  IdxArray labels = read_idx(labels_path);
  if (images.dims.size() != 3)
    fail("{}: expected an IDX array of images [N,H,W], got {} dimensions", images_path,
         images.dims.size());
  if (labels.dims.size() != 1)
    fail("{}: expected an IDX array of labels [N], got {} dimensions", labels_path,
         labels.dims.size());
  if (images.dims[0] != labels.dims[0])
    fail("{} has {} images but {} has {} labels", images_path, images.dims[0], labels_path,
         labels.dims[0]);
  return std::make_unique<FashionMnist>(split, images_path, std::move(images), std::move(labels));
}

}  // namespace nnd::data
