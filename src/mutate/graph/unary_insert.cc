// Exp or Round inserted on an edge: before input 0 of a node, or after its output. Both keep the
// shape and type, so the graph still checks.
#include "mutate/graph/families.h"
#include "mutate/graph/rewrite.h"

namespace nnd::mutate::graph {

namespace {

struct Insertion {
  std::set<std::string> op_types;
  const char* inserted;
  bool after;
};

Insertion insertion(Operator op) {
  const std::set<std::string> conv{"Conv"}, gemm{"Gemm", "MatMul"}, bn{"BatchNormalization"};
  switch (op) {
    case Operator::kExpBeforeConv:
      return {conv, "Exp", false};
    case Operator::kExpBeforeGemm:
      return {gemm, "Exp", false};
    case Operator::kExpAfterConv:
      return {conv, "Exp", true};
    case Operator::kExpAfterGemm:
      return {gemm, "Exp", true};
    case Operator::kExpBeforeBn:
      return {bn, "Exp", false};
    case Operator::kRoundBeforeBn:
      return {bn, "Round", false};
    default:
      return {{}, "", false};
  }
}

}  // namespace

std::vector<Site> unary_insert_sites(const Graph& graph, Operator op) {
  const Insertion ins = insertion(op);
  std::vector<Site> sites;
  for (size_t node : nodes_of(graph, ins.op_types)) {
    if (!ins.after) {
      sites.push_back(input_site(graph, node, 0));
      continue;
    }
    Site site;
    site.node = node;
    site.where = graph.nodes[node].label() + " output 0";
    sites.push_back(site);
  }
  return sites;
}

void apply_unary_insert(Graph& graph, Operator op, const Site& site) {
  const Insertion ins = insertion(op);
  if (ins.after)
    insert_after(graph, site.node, ins.inserted);
  else
    insert_before(graph, site.node, site.input, ins.inserted);
}

}  // namespace nnd::mutate::graph
