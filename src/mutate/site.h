#pragma once
// One place an operator can change a model: a node of the graph (graph level) or the model's
// preprocessing (input level). Sites are numbered from 1 in graph order; that number is the
// position a mutant names (`add-to-sub@2` is the second Add).
#include <cstdint>
#include <string>
#include <vector>

namespace nnd::mutate {

struct Site {
  size_t node = 0;             // index in graph.nodes (graph level)
  int input = 0;               // the node input the operator acts on, where it acts on one
  std::string where;           // "Conv 'conv1' input 0 [1,16,14,14]", "preprocessing"
  std::string not_applicable;  // why this occurrence cannot be mutated; empty when it can
  std::vector<int64_t> perm;   // Transpose operators: the permutation (two equal axes swapped)

  bool applicable() const { return not_applicable.empty(); }
};

}  // namespace nnd::mutate
