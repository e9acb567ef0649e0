#pragma once
// A mutant: one operator at one position of one model. Its id, "operator@position", is stable: the
// same model always gives the same sites in the same order. A mutant records the sites it
// changed; one that changed none (no applicable site, or a graph equal to the original) is not a
// mutant, is reported with the reason, and is never run or scored.
#include <optional>
#include <string>
#include <vector>

#include "core/graph.h"
#include "data/card.h"
#include "data/preprocess.h"
#include "mutate/catalogue.h"
#include "mutate/position.h"
#include "mutate/site.h"
#include "mutate/spec.h"

namespace nnd::mutate {

struct Mutant {
  MutantSpec spec;
  int64_t sites = 0;               // sites changed; 0: not a mutant
  std::string note;                // why it is not a mutant (sites == 0); empty otherwise
  std::vector<std::string> where;  // the sites changed
  std::optional<Model> model;      // graph level: the mutated model, checked by libonnx
  data::InputFault input_fault = data::InputFault::kNone;  // input level
  std::string diff;  // graph: the ONNX graph diff; input: the pipeline change
  // Graph level: libonnx's reason when the mutated model does not check (then `model` holds it
  // unchecked). Such a mutant is real and every run of it "failed to build": data, not an error.
  std::string build_error;

  bool is_mutant() const { return sites > 0; }
};

// Every occurrence of a graph or input operator in the model, applicable or not. Loop operators
// have their sites in the halide compiler: a UserError says so.
std::vector<Site> find_sites(const Model& model, const data::ModelCard& card, Operator op);

// Makes the mutant. A position past the operator's last site is a UserError naming both.
Mutant make_mutant(const Model& model, const data::ModelCard& card, const MutantSpec& spec);

}  // namespace nnd::mutate
