// A single-event upset: one bit flipped in one weight. The site is the weight operand (input 1)
// of a Conv, Gemm or MatMul held as a float32 initializer; the bit is bit 30 of its first element,
// the exponent's top bit, the upset that matters most (a weight below 2 in magnitude is multiplied
// by 2^128). A weight shared by two nodes is one site, at its first use.
#include <fmt/format.h>

#include <bit>
#include <cstring>

#include "mutate/graph/families.h"
#include "mutate/graph/rewrite.h"

namespace nnd::mutate::graph {

namespace {

constexpr uint32_t kFlippedBit = 1u << 30;

}  // namespace

std::vector<Site> bitflip_sites(const Graph& graph) {
  std::vector<Site> sites;
  std::set<std::string> seen;
  for (size_t node : nodes_of(graph, {"Conv", "Gemm", "MatMul"})) {
    Site site = input_site(graph, node, 1);
    if (site.applicable()) {
      const std::string& name = graph.nodes[node].inputs[1];
      auto it = graph.initializers.find(name);
      if (it == graph.initializers.end())
        site.not_applicable = fmt::format("its weights '{}' are not an initializer", name);
      else if (it->second.dtype() != DType::kFloat32 || it->second.size() == 0)
        site.not_applicable = fmt::format("its weights '{}' are not float32", name);
      else if (!seen.insert(name).second)
        site.not_applicable = fmt::format("its weights '{}' are an earlier site's", name);
      else
        site.where += fmt::format(" '{}'[0] bit 30", name);
    }
    sites.push_back(site);
  }
  return sites;
}

void apply_bitflip(Graph& graph, const Site& site) {
  Tensor& weights = graph.initializers.at(graph.nodes[site.node].inputs[1]);
  float* first = weights.data<float>();
  *first = std::bit_cast<float>(std::bit_cast<uint32_t>(*first) ^ kFlippedBit);
}

}  // namespace nnd::mutate::graph
