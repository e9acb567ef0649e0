#pragma once
// The shapes of the ops that only reinterpret their input's bytes: Reshape (with 0 and -1 and
// allowzero), Flatten, Squeeze, Unsqueeze, Identity, Dropout (inference).
#include <map>
#include <string>

#include "core/graph.h"

namespace nnd::compiler {

Shape view_shape(const Node& node, const Shape& input,
                 const std::map<std::string, Tensor>& constants, int64_t opset);

}  // namespace nnd::compiler
