#pragma once
// IDX files (the MNIST / Fashion-MNIST format), gzipped or not: a big-endian header
// (magic 0x0000 TT NN: element type TT, NN dimensions, then NN 32-bit sizes) followed by the
// elements. Only unsigned bytes (type 0x08) are read: images and labels both use them.
#include <cstdint>
#include <string>
#include <vector>

namespace nnd::data {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> values;  // row-major, element_count(dims) bytes
};

// Every defect (missing file, gzip cut short or corrupt, wrong magic or type, fewer or more bytes
// than the header says) is a UserError naming the file.
IdxArray read_idx(const std::string& path);

}  // namespace nnd::data
