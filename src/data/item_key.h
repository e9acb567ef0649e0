#pragma once
// The dataset keys a store records ("fashion-mnist:test#17", "images:PATH", "npy:PATH#3") read
// back into the one item they name, so that reports, compare and localize can show or re-run
// exactly the inputs a campaign measured.
#include <map>
#include <memory>
#include <string>

#include "data/dataset.h"

namespace nnd::data {

// Reads items by key, keeping each dataset it opens (decoding an IDX file takes a while).
class ItemsByKey {
 public:
  // The item a key names. A key of no known form, or an index past its dataset's end, is a
  // UserError quoting it; a file that is gone or no longer decodes gives an Item with `error`
  // set, as datasets do.
  Item item(const std::string& key);

 private:
  std::map<std::string, std::unique_ptr<Dataset>> open_;  // by "kind:location"
};

}  // namespace nnd::data
