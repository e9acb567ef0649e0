// Datasets of already preprocessed model inputs: one .npy row per item.
#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "data/dataset.h"
#include "data/npy.h"

namespace nnd::data {

namespace {

std::vector<int64_t> read_labels(const std::string& path, int64_t rows) {
  std::ifstream in(path);
  if (!in) fail("{}: cannot open labels file", path);
  std::vector<int64_t> labels;
  std::string line;
  for (int line_number = 1; std::getline(in, line); ++line_number) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    int64_t value = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (ec != std::errc() || end != line.data() + line.size())
      fail("{}:{}: '{}' is not an integer label", path, line_number, line);
    labels.push_back(value);
  }
  if (static_cast<int64_t>(labels.size()) != rows)
    fail("{} has {} labels but the .npy file has {} rows", path, labels.size(), rows);
  return labels;
}

class NpyDataset : public Dataset {
 public:
  NpyDataset(NpyFile file, std::vector<int64_t> labels)
      : file_(std::move(file)), labels_(std::move(labels)) {}

  size_t size() const override { return static_cast<size_t>(file_.rows()); }

  Item item(size_t index) override {
    Item item;
    item.key = fmt::format("npy:{}#{}", file_.path(), index);
    item.source = fmt::format("{} (row {})", file_.path(), index);
    Tensor row = file_.row(static_cast<int64_t>(index));
    Shape shape = row.shape();
    shape.insert(shape.begin(), 1);  // a batch of one
    item.input = row.reshaped(shape);
    if (!labels_.empty()) item.label = Label{labels_[index], {}};
    return item;
  }

  std::string description() const override {
    return fmt::format("npy:{} ({} inputs of shape {}, {})", file_.path(), size(),
                       shape_string(file_.row_shape()), labels_.empty() ? "no labels" : "labelled");
  }

 private:
  NpyFile file_;
  std::vector<int64_t> labels_;
};

}  // namespace

std::unique_ptr<Dataset> open_npy(const std::string& path) {
  NpyFile file(path);
  const std::string labels_path = path + ".labels";
  std::vector<int64_t> labels;
  std::error_code ec;
  if (std::filesystem::exists(labels_path, ec)) labels = read_labels(labels_path, file.rows());
  return std::make_unique<NpyDataset>(std::move(file), std::move(labels));
}

}  // namespace nnd::data
