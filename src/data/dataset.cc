#include "data/dataset.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <random>

#include "core/error.h"

namespace nnd::data {

namespace {

std::optional<uint64_t> parse_number(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// The items of another dataset at chosen indices; keys keep the original numbering.
class Subset : public Dataset {
 public:
  Subset(std::unique_ptr<Dataset> base, std::vector<size_t> indices, std::string how)
      : base_(std::move(base)), indices_(std::move(indices)), how_(std::move(how)) {}
  size_t size() const override { return indices_.size(); }
  Item item(size_t index) override { return base_->item(indices_.at(index)); }
  std::string description() const override {
    return fmt::format("{}; using {}", base_->description(), how_);
  }

 private:
  std::unique_ptr<Dataset> base_;
  std::vector<size_t> indices_;
  std::string how_;
};

}  // namespace

DatasetSpec DatasetSpec::parse(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    fail(
        "dataset '{}': {} (expected fashion-mnist:test|train, images:PATH, npy:PATH, npz:PATH, "
        "pb:DIR or random:N, optionally with ,limit=N and ,seed=S)",
        text, why);
  };
  DatasetSpec spec;
  std::string rest = text;
  // Options are trailing `,key=value` pieces; a path may itself contain commas.
  for (;;) {
    size_t comma = rest.rfind(',');
    if (comma == std::string::npos) break;
    std::string piece = rest.substr(comma + 1);
    size_t eq = piece.find('=');
    std::string key = piece.substr(0, eq);
    if (eq == std::string::npos || (key != "limit" && key != "seed")) break;
    std::optional<uint64_t> value = parse_number(piece.substr(eq + 1));
    if (!value)
      bad(fmt::format("{} '{}' is not a non-negative integer", key, piece.substr(eq + 1)));
    if (key == "limit") {
      if (spec.limit) bad("limit is given twice");
      spec.limit = *value;
    } else {
      if (spec.seed) bad("seed is given twice");
      spec.seed = *value;
    }
    rest.resize(comma);
  }
  size_t colon = rest.find(':');
  if (colon == std::string::npos) bad("no kind");
  spec.kind = rest.substr(0, colon);
  spec.location = rest.substr(colon + 1);
  if (spec.kind != "fashion-mnist" && spec.kind != "images" && spec.kind != "npy" &&
      spec.kind != "npz" && spec.kind != "pb" && spec.kind != "random")
    bad(fmt::format("unknown kind '{}'", spec.kind));
  if (spec.location.empty()) bad("no split or path after the colon");
  if (spec.kind == "fashion-mnist" && spec.location != "test" && spec.location != "train")
    bad(fmt::format("fashion-mnist has splits 'test' and 'train', not '{}'", spec.location));
  return spec;
}

std::string DatasetSpec::canonical() const {
  std::string text = kind + ":" + location;
  if (limit) text += fmt::format(",limit={}", *limit);
  if (seed) text += fmt::format(",seed={}", *seed);
  return text;
}

std::vector<size_t> choose_indices(size_t total, size_t count, std::optional<uint64_t> seed) {
  count = std::min(count, total);
  std::vector<size_t> indices(total);
  for (size_t i = 0; i < total; ++i) indices[i] = i;
  if (seed) {
    // std::uniform_int_distribution differs between standard libraries; a modulo of the
    // engine's output does not (its bias is below 2^-40 for any dataset size here).
    std::mt19937_64 engine(*seed);
    for (size_t i = 0; i < count; ++i) {
      size_t j = i + static_cast<size_t>(engine() % (total - i));
      std::swap(indices[i], indices[j]);
    }
  }
  indices.resize(count);
  std::sort(indices.begin(), indices.end());
  return indices;
}

size_t resolve_label(const Label& label, const std::vector<std::string>& labels, const Item& item) {
  if (label.index) {
    if (*label.index < 0 || *label.index >= static_cast<int64_t>(labels.size()))
      fail("{}: label {} of {} is outside the card's {} labels (0 to {})", item.source,
           *label.index, item.key, labels.size(), labels.size() - 1);
    return static_cast<size_t>(*label.index);
  }
  auto it = std::find(labels.begin(), labels.end(), label.name);
  if (it != labels.end()) return static_cast<size_t>(it - labels.begin());
  // Folder names cannot hold '/', so a folder may also be named by the label's index.
  if (std::optional<uint64_t> index = parse_number(label.name); index && *index < labels.size())
    return static_cast<size_t>(*index);
  fail("{}: label '{}' is not one of the card's labels ({})", item.source, label.name,
       fmt::join(labels, ", "));
}

std::unique_ptr<Dataset> open_dataset(const DatasetSpec& spec) {
  std::unique_ptr<Dataset> dataset;
  if (spec.kind == "fashion-mnist")
    dataset = open_fashion_mnist(spec.location);
  else if (spec.kind == "images")
    dataset = open_image_folder(spec.location);
  else if (spec.kind == "npy")
    dataset = open_npy(spec.location);
  else if (spec.kind == "npz" || spec.kind == "pb" || spec.kind == "random")
    fail(
        "dataset '{}': {}: feeds prepared tensors by input name (as compare, localize, infer, "
        "eval and campaigns read it), not images or rows to preprocess here",
        spec.canonical(), spec.kind);
  else
    fail("dataset '{}': unknown kind '{}'", spec.canonical(), spec.kind);
  if (!spec.limit && !spec.seed) return dataset;
  const size_t total = dataset->size();
  const size_t count = spec.limit.value_or(total);
  std::string how = spec.seed
                        ? fmt::format("{} sampled with seed {}", std::min(count, total), *spec.seed)
                        : fmt::format("the first {}", count);
  if (!spec.seed && count >= total) return dataset;
  return std::make_unique<Subset>(std::move(dataset), choose_indices(total, count, spec.seed), how);
}

}  // namespace nnd::data
