#pragma once
// The graph operator families, one file each. `*_sites` lists every occurrence of an operator in
// graph order (applicable or not, with the reason); `apply_*` changes one applicable site.
#include <vector>

#include "core/graph.h"
#include "mutate/catalogue.h"
#include "mutate/site.h"

namespace nnd::mutate::graph {

// transpose.cc: Transpose before an input of Conv, Gemm/MatMul or BatchNormalization.
std::vector<Site> transpose_sites(const Graph& graph, Operator op);
void apply_transpose(Graph& graph, const Site& site);

// unary_insert.cc: Exp or Round before an input or after the output of a node.
std::vector<Site> unary_insert_sites(const Graph& graph, Operator op);
void apply_unary_insert(Graph& graph, Operator op, const Site& site);

// replace.cc: one op type replaced by another of the same signature (Add->Sub, Relu->Sigmoid).
std::vector<Site> replace_sites(const Graph& graph, Operator op);
void apply_replace(Graph& graph, Operator op, const Site& site);

// bitflip.cc: one bit flipped in one weight (a single-event upset).
std::vector<Site> bitflip_sites(const Graph& graph);
void apply_bitflip(Graph& graph, const Site& site);

}  // namespace nnd::mutate::graph
