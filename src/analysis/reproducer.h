#pragma once
// `localize --reproducer DIR`: what a user attaches to an upstream bug report. The smallest
// subgraph around the first divergent node that still diverges between the two environments:
// the node alone, fed with the reference side's captured input tensors, grown by its neighbours
// (the nodes feeding it and those it feeds) only while it agrees (e.g. when a fusion with a
// neighbour causes the divergence). Written as a standalone ONNX model, its inputs and both
// sides' outputs as TensorProto .pb files, and the one `nndelta compare` command that shows it
// (Polygraphy's `debug reduce` and NNSmith's reproducers are the anchors).
#include <string>
#include <vector>

#include "analysis/localize.h"

namespace nnd::analysis {

struct Reproducer {
  std::string dir;
  std::vector<std::string> nodes;  // the subgraph's nodes, in topological order
  bool diverges = false;           // false: even the largest subgraph tried agrees
  std::string command;             // the nndelta compare command that shows it
  std::string verdict;             // compare's verdict line on the subgraph
};

// Builds and writes the reproducer for `result.first` on `input` (one of the inputs looked
// inside). DIR is created; its model.onnx (and model_b.onnx with --model-b), inputs/*.pb,
// reference/*.pb, candidate/*.pb and command.txt are overwritten. Nullopt when there is no first
// divergent node.
std::optional<Reproducer> write_reproducer(const LocalizeResult& result, CompareSide& reference,
                                           CompareSide& candidate, const InputCase& input,
                                           const Tolerances& tolerances, const std::string& dir);

}  // namespace nnd::analysis
