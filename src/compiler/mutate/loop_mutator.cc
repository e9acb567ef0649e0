#include "compiler/mutate/loop_mutator.h"

#include <fmt/format.h>

#include <cmath>
#include <regex>
#include <sstream>

namespace nnd::compiler {

namespace {

namespace hi = Halide::Internal;
using Halide::Expr;
using mutate::Operator;

// Buffers that have an update definition: Halide names its loops `<buffer>.s1.<var>`.
class UpdatedBuffers : public hi::IRVisitor {
 public:
  std::set<std::string> names;

 protected:
  using hi::IRVisitor::visit;
  void visit(const hi::For* op) override {
    if (size_t s1 = op->name.find(".s1."); s1 != std::string::npos)
      names.insert(op->name.substr(0, s1));
    hi::IRVisitor::visit(op);
  }
};

// An expression as a site's description; Halide's per-process numbers (t123, f$4) are left out
// so that a site reads the same in every compile.
std::string text_of(const Expr& e) {
  static const std::regex numbered(R"(\b(t)[0-9]+\b|\$[0-9]+)");
  std::ostringstream out;
  out << e;
  std::string s = std::regex_replace(out.str(), numbered, "$1");
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s.size() > 70 ? s.substr(0, 67) + "..." : s;
}

bool is_float32(const Halide::Type& t) { return t.is_float() && t.bits() == 32; }

// An index bounds test: comparisons of integers joined by && / ||.
bool compares_integers_only(const Expr& e) {
  if (const auto* a = e.as<hi::And>())
    return compares_integers_only(a->a) && compares_integers_only(a->b);
  if (const auto* o = e.as<hi::Or>())
    return compares_integers_only(o->a) && compares_integers_only(o->b);
  if (const auto* b = e.as<hi::Broadcast>()) return compares_integers_only(b->value);
  if (const auto* lt = e.as<hi::LT>()) return lt->a.type().is_int_or_uint();
  if (const auto* le = e.as<hi::LE>()) return le->a.type().is_int_or_uint();
  // Halide hoists parts of the test into lets: a boolean variable is one of them.
  if (const auto* v = e.as<hi::Variable>()) return v->type.is_bool();
  return false;
}

// strict_float wraps every float value at O0/O1; the constant is inside.
Expr without_strict_float(const Expr& e) {
  if (const auto* call = e.as<hi::Call>(); call && call->is_intrinsic(hi::Call::strict_float))
    return call->args[0];
  return e;
}

Expr as_float(const Expr& e) {
  return e.type().is_float() ? e : hi::Cast::make(Halide::Float(32, e.type().lanes()), e);
}

}  // namespace

LoopMutator::LoopMutator(std::optional<Operator> target, std::set<size_t> chosen)
    : target_(target), chosen_(std::move(chosen)) {}

hi::Stmt LoopMutator::mutate(const hi::Stmt& stmt) {
  // Halide calls the pass once per lowering (the emitter lowers again): each call starts afresh.
  if (depth_ == 0) {
    UpdatedBuffers updated;
    stmt.accept(&updated);
    updated_ = std::move(updated.names);
    sites_.clear();
    changed_.clear();
  }
  ++depth_;
  hi::Stmt out = hi::IRMutator::mutate(stmt);
  --depth_;
  return out;
}

bool LoopMutator::take(Operator op, const std::string& what) {
  std::vector<std::string>& list = sites_[op];
  const size_t index = list.size();
  list.push_back(what);
  if (target_ != op || !chosen_.count(index)) return false;
  changed_.push_back(list.back());
  return true;
}

hi::Stmt LoopMutator::visit(const hi::ProducerConsumer* op) {
  if (!op->is_producer) return hi::IRMutator::visit(op);
  ++produce_depth_;
  hi::Stmt out = hi::IRMutator::visit(op);
  --produce_depth_;
  return out;
}

hi::Stmt LoopMutator::visit(const hi::For* op) {
  loops_.push_back(op->name);
  hi::Stmt body = mutate(op->body);
  loops_.pop_back();
  Expr min = mutate(op->min), extent = mutate(op->extent);
  if (produce_depth_ > 0) {
    const std::string what =
        fmt::format("loop {} extent {}", text_of(hi::Variable::make(Halide::Int(32), op->name)),
                    text_of(op->extent));
    if (take(Operator::kExtentMinusOne, what)) extent = extent - 1;
    if (take(Operator::kExtentPlusOne, what)) extent = extent + 1;
  }
  if (min.same_as(op->min) && extent.same_as(op->extent) && body.same_as(op->body)) return op;
  return hi::For::make(op->name, min, extent, op->for_type, op->device_api, body);
}

hi::Stmt LoopMutator::visit(const hi::Store* op) {
  Expr value = mutate(op->value), index = mutate(op->index), predicate = mutate(op->predicate);
  if (produce_depth_ > 0 && is_float32(op->value.type())) {
    const int lanes = value.type().lanes();
    const std::string what = fmt::format("store to {}", op->name);
    auto round_trip = [&](Halide::Type narrow) {
      value =
          hi::Cast::make(Halide::Float(32, lanes), hi::Cast::make(narrow.with_lanes(lanes), value));
    };
    if (take(Operator::kStoreCastF16, what)) round_trip(Halide::Float(16));
    if (take(Operator::kStoreCastI32, what)) round_trip(Halide::Int(32));
    if (take(Operator::kStoreCastI16, what)) round_trip(Halide::Int(16));
    if (take(Operator::kStoreCastI8, what)) round_trip(Halide::Int(8));
    if (take(Operator::kStoreMinusEpsilon, what))
      value = value - hi::make_const(value.type(), 1e-8);
    if (take(Operator::kStoreTimesUlp, what))
      value = value * hi::make_const(value.type(), 1.0 + std::ldexp(1.0, -23));
    bool initial = false;
    if (updated_.count(op->name))
      for (const std::string& loop : loops_)
        if (loop.rfind(op->name + ".s0.", 0) == 0) initial = true;
    if (initial && take(Operator::kAccumulatorInit, "initial " + what))
      value = value + hi::make_const(value.type(), 1e-3);
  }
  if (value.same_as(op->value) && index.same_as(op->index) && predicate.same_as(op->predicate))
    return op;
  return hi::Store::make(op->name, value, index, op->param, predicate, op->alignment);
}

Expr LoopMutator::visit(const hi::LT* op) {
  Expr a = mutate(op->a), b = mutate(op->b);
  if (produce_depth_ > 0) {
    const std::string what = text_of(op);
    if (hi::is_const(op->a) && !hi::is_const(op->b)) {
      // `c < x`, Halide's spelling of `x > c`.
      if (take(Operator::kGtToLt, "(x > c) " + what)) return hi::LT::make(b, a);
      if (take(Operator::kGtToGe, "(x > c) " + what)) return hi::LE::make(a, b);
    } else {
      if (take(Operator::kThresholdPlusHalf, what)) {
        // On integers the threshold moves in float: (float)a < (float)b + 0.5.
        Expr fb = as_float(b);
        return hi::LT::make(as_float(a), fb + hi::make_const(fb.type(), 0.5));
      }
      if (take(Operator::kLtToLe, what)) return hi::LE::make(a, b);
      if (take(Operator::kLtToGt, what)) return hi::GT::make(a, b);
    }
  }
  if (a.same_as(op->a) && b.same_as(op->b)) return op;
  return hi::LT::make(a, b);
}

Expr LoopMutator::visit(const hi::Select* op) {
  Expr cond = mutate(op->condition), t = mutate(op->true_value), f = mutate(op->false_value);
  if (produce_depth_ > 0 && hi::is_const(without_strict_float(op->false_value)) &&
      compares_integers_only(op->condition) &&
      take(Operator::kDropPaddingCheck, "padding check " + text_of(op->condition)))
    return t;
  if (cond.same_as(op->condition) && t.same_as(op->true_value) && f.same_as(op->false_value))
    return op;
  return hi::Select::make(cond, t, f);
}

Expr LoopMutator::visit(const hi::Min* op) {
  Expr a = mutate(op->a), b = mutate(op->b);
  if (produce_depth_ > 0 && op->type.is_float() && take(Operator::kSwapMinMax, text_of(op)))
    return hi::Max::make(a, b);
  if (a.same_as(op->a) && b.same_as(op->b)) return op;
  return hi::Min::make(a, b);
}

Expr LoopMutator::visit(const hi::Max* op) {
  Expr a = mutate(op->a), b = mutate(op->b);
  if (produce_depth_ > 0 && op->type.is_float() && take(Operator::kSwapMinMax, text_of(op)))
    return hi::Min::make(a, b);
  if (a.same_as(op->a) && b.same_as(op->b)) return op;
  return hi::Max::make(a, b);
}

}  // namespace nnd::compiler
