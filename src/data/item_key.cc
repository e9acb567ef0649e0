#include "data/item_key.h"

#include <charconv>

#include "core/error.h"

namespace nnd::data {

namespace {

// Splits "location#index"; nullopt when there is no well-formed index after the last '#'.
std::optional<std::pair<std::string, size_t>> split_index(const std::string& rest) {
  const size_t hash = rest.rfind('#');
  if (hash == std::string::npos || hash + 1 == rest.size()) return std::nullopt;
  size_t index = 0;
  const char* end = rest.data() + rest.size();
  auto [ptr, ec] = std::from_chars(rest.data() + hash + 1, end, index);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return std::make_pair(rest.substr(0, hash), index);
}

}  // namespace

Item ItemsByKey::item(const std::string& key) {
  const size_t colon = key.find(':');
  const std::string kind = colon == std::string::npos ? "" : key.substr(0, colon);
  const std::string rest = colon == std::string::npos ? "" : key.substr(colon + 1);
  if (kind == "images" && !rest.empty()) {
    Item item;
    item.key = key;
    item.source = rest;
    std::string why;
    item.image = read_image(rest, why);
    if (!item.image) item.error = why;
    return item;
  }
  if (kind == "fashion-mnist" || kind == "npy") {
    if (auto split = split_index(rest)) {
      std::unique_ptr<Dataset>& dataset = open_[kind + ":" + split->first];
      if (!dataset)
        dataset = kind == "npy" ? open_npy(split->first) : open_fashion_mnist(split->first);
      if (split->second >= dataset->size())
        fail("dataset key '{}': index {} is past the end of {}", key, split->second,
             dataset->description());
      return dataset->item(split->second);
    }
  }
  fail("dataset key '{}' is not of the form fashion-mnist:SPLIT#N, images:PATH or npy:PATH#N", key);
}

}  // namespace nnd::data
