#pragma once
// NumPy .npy files holding float32 arrays, read one row (the first axis) at a time so that large
// arrays of preprocessed inputs need not fit in memory.
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace nnd::data {

class NpyFile {
 public:
  // Reads and checks the header: format versions 1-3, little-endian float32 ('<f4'), C order,
  // rank >= 1, and a file exactly as long as the shape says. Any defect is a UserError naming
  // the file.
  explicit NpyFile(std::string path);

  const std::string& path() const { return path_; }
  const Shape& shape() const { return shape_; }
  int64_t rows() const { return shape_[0]; }
  Shape row_shape() const { return Shape(shape_.begin() + 1, shape_.end()); }
  // Row i as a float32 tensor of row_shape().
  Tensor row(int64_t i);

 private:
  std::string path_;
  std::ifstream in_;
  Shape shape_;
  std::streamoff data_offset_ = 0;
};

// Writes a float32 tensor as a version 1.0 .npy file (for tests and exports).
void write_npy(const Tensor& tensor, const std::string& path);

}  // namespace nnd::data
