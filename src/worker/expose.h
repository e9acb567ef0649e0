#pragma once
// Intermediate tensors are read by making them graph outputs of a copy of the model, so that any
// framework that can run a model can show its internals (as Polygraphy marks outputs).
#include <string>
#include <vector>

#include "core/graph.h"

namespace nnd::worker {

// Appends the named values (every value a node produces when `names` is empty) to the graph
// outputs, after the model's own outputs. Values whose element type shape inference could not
// tell are left out; a name the graph does not produce is a UserError.
Model expose_values(const Model& model, const std::vector<std::string>& names = {});

}  // namespace nnd::worker
