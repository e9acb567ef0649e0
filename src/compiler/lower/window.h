#pragma once
// The geometry of a 2-D sliding window (Conv, MaxPool, AveragePool) on an NCHW input: pads from
// `pads` or `auto_pad`, strides, dilations and the output size, with ceil_mode.
#include <array>
#include <cstdint>

#include "core/graph.h"

namespace nnd::compiler {

struct Window2d {
  std::array<int64_t, 2> in{}, kernel{}, strides{1, 1}, dilations{1, 1}, pad_begin{}, pad_end{},
      out{};
  bool padded(int axis) const { return pad_begin[axis] != 0 || pad_end[axis] != 0; }
};

// Reads kernel_shape (or `kernel` when the op takes it from its weights), strides, dilations,
// pads, auto_pad and ceil_mode of `node` for an input of shape `x` (rank 4, NCHW); anything else
// is a UserError naming the node.
Window2d window_2d(const Node& node, const Shape& x, std::array<int64_t, 2> kernel,
                   bool allow_ceil_mode);

}  // namespace nnd::compiler
