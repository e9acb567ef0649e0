#pragma once
// The loop-level mutation operators (src/mutate/operators.def, level loop) as one Halide custom
// lowering pass: it runs on each stage's loop IR after Halide's own lowering, finds every site of
// every loop operator (counting mode), and rewrites the sites chosen for one operator.
//
// Sites are looked for inside `produce` blocks only (the computation, not Halide's argument
// checks), in one fixed traversal order, children before parents, so that counting and mutating
// number the same sites the same way. What is a site:
//   stores        every store of a float32 value (casts, -1e-8, x(1+2^-23)); an accumulator's
//                 initial store is a store in a pure-definition loop (`B.s0.*`) of a buffer B
//                 that has an update loop (`B.s1.*`)
//   conditions    Halide writes `x > c` as `c < x` and has no GT node after simplification: a `<`
//                 whose left side is a constant is a GT site, every other `<` an LT site
//   loops         every For loop (its extent)
//   padding       a select whose condition only compares integers (an index bounds test) and
//                 whose other side is a constant (the padding value)
//   min/max       float min and max (ReLU, Clip, MaxPool, ...)
#include <Halide.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mutate/catalogue.h"

namespace nnd::compiler {

// Per loop-level operator, the description of each of its sites in one stage, in site order.
using StageSites = std::map<mutate::Operator, std::vector<std::string>>;

class LoopMutator : public Halide::Internal::IRMutator {
 public:
  // Counts only when `target` is empty; otherwise rewrites the sites of `target` whose 0-based
  // index within this stage is in `chosen`.
  LoopMutator(std::optional<mutate::Operator> target, std::set<size_t> chosen);

  using Halide::Internal::IRMutator::mutate;
  Halide::Internal::Stmt mutate(const Halide::Internal::Stmt& stmt) override;

  const StageSites& sites() const { return sites_; }
  const std::vector<std::string>& changed() const { return changed_; }

 protected:
  using Halide::Internal::IRMutator::visit;
  Halide::Internal::Stmt visit(const Halide::Internal::ProducerConsumer* op) override;
  Halide::Internal::Stmt visit(const Halide::Internal::For* op) override;
  Halide::Internal::Stmt visit(const Halide::Internal::Store* op) override;
  Halide::Expr visit(const Halide::Internal::LT* op) override;
  Halide::Expr visit(const Halide::Internal::Select* op) override;
  Halide::Expr visit(const Halide::Internal::Min* op) override;
  Halide::Expr visit(const Halide::Internal::Max* op) override;

 private:
  // Records a site of `op`; true when it is one to rewrite.
  bool take(mutate::Operator op, const std::string& what);

  std::optional<mutate::Operator> target_;
  std::set<size_t> chosen_;
  int depth_ = 0;  // of mutate(Stmt) calls: each lowering starts afresh at depth 0
  int produce_depth_ = 0;
  std::vector<std::string> loops_;  // enclosing For names
  std::set<std::string> updated_;   // buffers with an update definition (B.s1.* loops)
  StageSites sites_;
  std::vector<std::string> changed_;
};

}  // namespace nnd::compiler
