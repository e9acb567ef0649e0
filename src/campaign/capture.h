#pragma once
// Intermediate captures ([keep] intermediates): which values a run exposes as extra graph outputs
// for its selected inputs, and the record of one capture from what the worker returned.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "backends/env_spec.h"
#include "campaign/store.h"
#include "core/graph.h"

namespace nnd::campaign {

struct CaptureValues {
  // For SessionOptions::intermediate_names: the names to expose, empty for every value.
  std::vector<std::string> expose;
  // Every value a capture should return, in graph order, with the node that produces it (the
  // tensors are left empty).
  std::vector<IntermediateValue> wanted;
  // Names asked for that no node of the graph the environment runs produces (a transform such as
  // +opset10 may rename values).
  std::vector<std::string> absent;
};

// The values a run of `model` in `env` keeps: `asked`, or every value when it is empty. Applies
// the environment's transforms, since the framework runs (and names) their result.
CaptureValues capture_values(const Model& model, const backends::EnvSpec& env,
                             const std::vector<std::string>& asked);

// The capture of one input from the worker's outputs: the wanted values, in graph order; when
// some are missing, outcome "incomplete" and a message naming them.
CaptureRecord capture_record(const CaptureValues& values, TensorMap outputs);

// The names of the values the nodes of a model produce.
std::set<std::string> produced_values(const Model& model);

}  // namespace nnd::campaign
