#pragma once
// NumPy .npz archives: a zip file of .npy arrays, one per name. np.savez stores them
// uncompressed, np.savez_compressed deflates them; both are read (zlib inflates the latter).
#include <map>
#include <string>

#include "core/tensor.h"

namespace nnd::data {

// Every array of the archive by name (the member's file name without ".npy"). A file that is
// not such an archive, or a member that is not a supported .npy array, is a UserError naming it.
std::map<std::string, Tensor> read_npz(const std::string& path);

// Writes the arrays as np.savez does (stored, no compression), for tests and exports.
void write_npz(const std::map<std::string, Tensor>& arrays, const std::string& path);

}  // namespace nnd::data
