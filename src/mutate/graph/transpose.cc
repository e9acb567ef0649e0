// Transpose inserted before an operand. It swaps two axes of equal size above 1, so the operand
// keeps its shape and the model still checks, while its values move: the research's operator,
// made safe for any model. Axes of size 1 are left out because swapping them moves nothing.
#include <fmt/format.h>

#include <numeric>

#include "mutate/graph/families.h"
#include "mutate/graph/rewrite.h"

namespace nnd::mutate::graph {

namespace {

struct Target {
  std::set<std::string> op_types;
  int input;
};

std::vector<Target> targets(Operator op) {
  const std::set<std::string> conv{"Conv"}, gemm{"Gemm", "MatMul"};
  switch (op) {
    case Operator::kTransposeConvInput:
      return {{conv, 0}};
    case Operator::kTransposeGemmInput:
      return {{gemm, 0}};
    case Operator::kTransposeConvGemmInput:
      return {{{"Conv", "Gemm", "MatMul"}, 0}};
    case Operator::kTransposeConvWeights:
      return {{conv, 1}};
    case Operator::kTransposeGemmWeights:
      return {{gemm, 1}};
    case Operator::kTransposeBnInput:
      return {{{"BatchNormalization"}, 0}};
    default:
      return {};
  }
}

// The last pair of axes (the innermost: spatial axes before channels) of equal size above 1.
std::vector<int64_t> swap_permutation(const Shape& shape) {
  for (size_t j = shape.size(); j-- > 1;)
    for (size_t i = j; i-- > 0;)
      if (shape[i] == shape[j] && shape[i] > 1) {
        std::vector<int64_t> perm(shape.size());
        std::iota(perm.begin(), perm.end(), 0);
        std::swap(perm[i], perm[j]);
        return perm;
      }
  return {};
}

}  // namespace

std::vector<Site> transpose_sites(const Graph& graph, Operator op) {
  std::vector<Site> sites;
  for (const Target& t : targets(op))
    for (size_t node : nodes_of(graph, t.op_types)) {
      Site site = input_site(graph, node, t.input);
      if (!site.applicable()) {
        sites.push_back(site);
        continue;
      }
      const std::string& value = graph.nodes[node].inputs[static_cast<size_t>(t.input)];
      std::optional<Shape> shape = value_shape(graph, value);
      if (!shape)
        site.not_applicable = fmt::format("the shape of '{}' is not known statically", value);
      else if ((site.perm = swap_permutation(*shape)).empty())
        site.not_applicable =
            fmt::format("no two axes of {} have equal size above 1", shape_string(*shape));
      else
        site.where += fmt::format(" perm=[{}]", fmt::join(site.perm, ","));
      sites.push_back(site);
    }
  return sites;
}

void apply_transpose(Graph& graph, const Site& site) {
  insert_before(graph, site.node, site.input, "Transpose", {{"perm", Attribute{site.perm}}});
}

}  // namespace nnd::mutate::graph
