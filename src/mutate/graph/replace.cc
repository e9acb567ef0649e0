// A node replaced by one of the same signature: Add by Sub (arithmetic), Relu by Sigmoid (layer).
#include "mutate/graph/families.h"
#include "mutate/graph/rewrite.h"

namespace nnd::mutate::graph {

namespace {

std::pair<const char*, const char*> replacement(Operator op) {
  switch (op) {
    case Operator::kAddToSub:
      return {"Add", "Sub"};
    case Operator::kReluToSigmoid:
      return {"Relu", "Sigmoid"};
    default:
      return {"", ""};
  }
}

}  // namespace

std::vector<Site> replace_sites(const Graph& graph, Operator op) {
  std::vector<Site> sites;
  for (size_t node : nodes_of(graph, {replacement(op).first})) {
    Site site;
    site.node = node;
    site.where = graph.nodes[node].label();
    sites.push_back(site);
  }
  return sites;
}

void apply_replace(Graph& graph, Operator op, const Site& site) {
  graph.nodes[site.node].op_type = replacement(op).second;
}

}  // namespace nnd::mutate::graph
