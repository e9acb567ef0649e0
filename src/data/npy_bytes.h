#pragma once
// A whole .npy array held in memory, of any element type nndelta knows: what an .npz archive
// holds per array, and what `npy:` feeds of a model without a card read. (data/npy.h reads large
// float32 files row by row instead.)
#include <string>
#include <string_view>

#include "core/tensor.h"

namespace nnd::data {

// Parses .npy bytes: versions 1-3, C order, little-endian '<f4' '<f8' '<f2' '<i8' '<i4' '<i2'
// '|i1' '|u1' '|b1'. A defect is a UserError naming `source`.
Tensor parse_npy(std::string_view bytes, const std::string& source);

// The .npy bytes of a tensor (version 1.0), for tests and exports.
std::string npy_bytes(const Tensor& tensor);

}  // namespace nnd::data
