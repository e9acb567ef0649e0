#pragma once
// Small PNG pictures of dataset items for the HTML report, as data: URIs so that the page needs
// no other file. Items are read back by the dataset key the store recorded; small images (28x28
// Fashion-MNIST) are enlarged without smoothing so that their pixels stay visible.
#include <string>

#include "data/item_key.h"

namespace nnd::report {

struct Thumbnail {
  std::string data_uri;  // "data:image/png;base64,..." when the item could be drawn
  std::string error;     // why not, otherwise
};

// Standard base64 (RFC 4648, with padding).
std::string base64(const std::string& bytes);

class Thumbnails {
 public:
  explicit Thumbnails(int target_px = 84) : target_px_(target_px) {}
  // Never throws for a bad key, a missing dataset or an undecodable file: the reason is returned.
  Thumbnail of(const std::string& dataset_key);

 private:
  int target_px_;
  data::ItemsByKey items_;
};

}  // namespace nnd::report
