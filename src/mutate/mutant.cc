#include "mutate/mutant.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"
#include "mutate/graph/diff.h"
#include "mutate/graph/families.h"
#include "mutate/input/input_faults.h"
#include "onnx/model_io.h"

namespace nnd::mutate {

namespace {

enum class Family { kTranspose, kUnaryInsert, kReplace, kBitFlip, kInput, kLoop };

Family family_of(Operator op) {
  switch (op) {
    case Operator::kTransposeConvInput:
    case Operator::kTransposeGemmInput:
    case Operator::kTransposeConvGemmInput:
    case Operator::kTransposeConvWeights:
    case Operator::kTransposeGemmWeights:
    case Operator::kTransposeBnInput:
      return Family::kTranspose;
    case Operator::kExpBeforeConv:
    case Operator::kExpBeforeGemm:
    case Operator::kExpAfterConv:
    case Operator::kExpAfterGemm:
    case Operator::kExpBeforeBn:
    case Operator::kRoundBeforeBn:
      return Family::kUnaryInsert;
    case Operator::kAddToSub:
    case Operator::kReluToSigmoid:
      return Family::kReplace;
    case Operator::kWeightBitFlip:
      return Family::kBitFlip;
    default:
      return info(op).level == Level::kInput ? Family::kInput : Family::kLoop;
  }
}

void apply_graph_site(Graph& graph, Operator op, const Site& site) {
  switch (family_of(op)) {
    case Family::kTranspose:
      return graph::apply_transpose(graph, site);
    case Family::kUnaryInsert:
      return graph::apply_unary_insert(graph, op, site);
    case Family::kReplace:
      return graph::apply_replace(graph, op, site);
    case Family::kBitFlip:
      return graph::apply_bitflip(graph, site);
    default:
      NND_CHECK(false, "{} is not a graph operator", info(op).id);
  }
}

// The mutated graph goes through libonnx's checker and shape inference as any model does; the
// inferred types of the original would hide a mutation that breaks them, so they are dropped.
Model checked(Model mutated, const std::string& source) {
  mutated.graph.value_info.clear();
  Model out = onnx_io::model_from_bytes(onnx_io::model_to_bytes(mutated), source);
  out.source_path = mutated.source_path;
  return out;
}

}  // namespace

std::vector<Site> find_sites(const Model& model, const data::ModelCard& card, Operator op) {
  switch (family_of(op)) {
    case Family::kTranspose:
      return graph::transpose_sites(model.graph, op);
    case Family::kUnaryInsert:
      return graph::unary_insert_sites(model.graph, op);
    case Family::kReplace:
      return graph::replace_sites(model.graph, op);
    case Family::kBitFlip:
      return graph::bitflip_sites(model.graph);
    case Family::kInput:
      return input::input_sites(card, op);
    case Family::kLoop:
      break;
  }
  fail(
      "{}: a loop-level operator; its sites are in a halide environment's loop IR (nndelta "
      "mutants list MODEL --env halide@cpu:O2)",
      info(op).id);
}

Mutant make_mutant(const Model& model, const data::ModelCard& card, const MutantSpec& spec) {
  Mutant m;
  m.spec = spec;
  const std::vector<Site> sites = find_sites(model, card, spec.op);
  const std::string id = spec.id();
  std::vector<size_t> chosen = spec.position.select(sites.size(), info(spec.op).id);
  std::vector<std::string> reasons;
  std::vector<size_t> applicable;
  for (size_t i : chosen)
    if (sites[i].applicable())
      applicable.push_back(i);
    else
      reasons.push_back(
          fmt::format("site {} ({}): {}", i + 1, sites[i].where, sites[i].not_applicable));
  if (applicable.empty()) {
    m.note = sites.empty() ? fmt::format("{} has no site in this model", info(spec.op).id)
             : reasons.size() == 1
                 ? "not applicable at " + reasons.front()
                 : fmt::format("no applicable site among {}", fmt::join(reasons, "; "));
    return m;
  }
  for (size_t i : applicable) m.where.push_back(sites[i].where);
  if (info(spec.op).level == Level::kInput) {
    m.input_fault = input::fault_of(spec.op);
    m.sites = 1;
    m.diff = input::describe(card, spec.op);
    return m;
  }
  Model mutated = model;
  // From the last site back, so that nodes inserted at one site leave earlier indices alone.
  std::sort(applicable.rbegin(), applicable.rend());
  for (size_t i : applicable) apply_graph_site(mutated.graph, spec.op, sites[i]);
  if (mutated == model) {
    m.note = "the mutated graph equals the original";
    return m;
  }
  m.diff = graph::graph_diff(model.graph, mutated.graph);
  try {
    m.model = checked(mutated, fmt::format("{} ({})", model.source_path, id));
  } catch (const UserError& e) {
    m.build_error = e.what();
    m.model = std::move(mutated);
  }
  m.sites = static_cast<int64_t>(applicable.size());
  return m;
}

}  // namespace nnd::mutate
