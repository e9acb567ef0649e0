#include "analysis/compare_text.h"

#include <fmt/format.h>

namespace nnd::analysis {

namespace {

std::string failure_text(const std::string& env, const SideFailure& f) {
  return fmt::format("{} could not {} the model ({}): {}", env, f.stage, f.outcome, f.message);
}

std::string side_line(const char* role, const std::string& env, const std::string& model,
                      const std::string& description, const std::optional<SideFailure>& f) {
  std::string line = fmt::format("{:<10} {}  {}", role, env, model);
  if (f)
    line += fmt::format("\n           failed at {} ({}): {}", f->stage, f->outcome, f->message);
  else if (!description.empty())
    line += fmt::format("\n           {}", description);
  return line + "\n";
}

}  // namespace

std::string stats_line(const ErrorStats& s) {
  return fmt::format(
      "max abs {:.3g}, mean abs {:.3g}, p99 abs {:.3g}, max rel {:.3g}, cosine {:.9g}; {} of {} "
      "beyond tolerance{}",
      s.max_abs, s.mean_abs, s.p99_abs, s.max_rel, s.cosine, s.beyond, s.count,
      s.nonfinite ? fmt::format(" ({} non-finite mismatches)", s.nonfinite) : "");
}

std::string value_label(const ValueError& v) {
  return fmt::format("#{} {} ({}) → {}", v.position, v.node, v.op, v.value);
}

std::string verdict_line(const CompareResult& r) {
  if (r.reference_failure) return "FAILED: " + failure_text(r.reference_env, *r.reference_failure);
  if (r.candidate_failure) return "FAILED: " + failure_text(r.candidate_env, *r.candidate_failure);
  const std::string tolerance =
      fmt::format("atol {:g}, rtol {:g}", r.tolerance.atol, r.tolerance.rtol);
  if (!r.diverges())
    return fmt::format("agree: no top-1 flips in {} inputs, {} within tolerance ({})",
                       r.inputs.size(), r.output, tolerance);
  return fmt::format("DIVERGE: {} of {} top-1 labels differ ({:.2f}%); {} {} tolerance ({})",
                     r.top1_flips, r.inputs.size(), r.flip_percent(), r.output,
                     r.scores.passes() ? "within" : "beyond", tolerance);
}

std::string verdict_line(const LocalizeResult& r) {
  if (r.compare.failed() || !r.compare.diverges()) return verdict_line(r.compare);
  if (!r.first)
    return verdict_line(r.compare) +
           "; no compared node is beyond tolerance on the inputs "
           "looked inside";
  return fmt::format("DIVERGE from node {}: max abs {:.3g} ({} of {} top-1 labels differ)",
                     value_label(*r.first), r.first->stats.max_abs, r.compare.top1_flips,
                     r.compare.inputs.size());
}

std::string compare_text(const CompareResult& r, const std::string& dataset) {
  std::string out = fmt::format("verdict    {}\n", verdict_line(r));
  out += side_line("reference", r.reference_env, r.reference_model, r.reference_description,
                   r.reference_failure);
  out += side_line("candidate", r.candidate_env, r.candidate_model, r.candidate_description,
                   r.candidate_failure);
  out += fmt::format("inputs     {} compared ({})\n", r.inputs.size(), dataset);
  if (r.inputs.empty()) return out;
  out += fmt::format("top-1      {} flips ({:.2f}%)\n", r.top1_flips, r.flip_percent());
  out += fmt::format("{:<10} {}\n", r.output, stats_line(r.scores));
  out += fmt::format(
      "           {} under atol {:g}, rtol {:g}; passes with atol >= {:.3g} (rtol 0) or rtol >= "
      "{:.3g} (atol 0)\n",
      r.scores.passes() ? "passes" : "fails", r.tolerance.atol, r.tolerance.rtol,
      r.scores.needed_atol, r.scores.needed_rtol);
  size_t shown = 0;
  for (const InputComparison& c : r.inputs) {
    if (c.top1_reference == c.top1_candidate) continue;
    if (shown++ == 10) {
      out += fmt::format("           ... {} more flips\n", r.top1_flips - 10);
      break;
    }
    out += fmt::format("flipped    {}  {} → {}\n", c.key, r.labels.at(c.top1_reference),
                       r.labels.at(c.top1_candidate));
  }
  return out;
}

std::string localize_text(const LocalizeResult& r, const std::string& dataset) {
  std::string out = fmt::format("verdict    {}\n", verdict_line(r));
  std::string details = compare_text(r.compare, dataset);
  out += details.substr(details.find('\n') + 1);
  if (r.method.empty()) {
    if (!r.fallback.empty()) out += fmt::format("not localized: {}\n", r.fallback);
    return out;
  }
  out += fmt::format("\nlooked inside {} input{} ({}): {}\n", r.inputs.size(),
                     r.inputs.size() == 1 ? "" : "s",
                     r.inputs_diverge ? "divergent" : "none diverges: the largest errors",
                     fmt::join(r.inputs, ", "));
  if (!r.fallback.empty()) out += fmt::format("bisection because {}\n", r.fallback);
  out += fmt::format(
      "method     {}: {} values compared of {} nodes, {} skipped, {} only in the candidate{}\n",
      r.method, r.curve.size(), r.nodes, r.skipped.size(), r.candidate_only,
      r.method == "bisection" ? fmt::format(", {} prefix models per side", r.probes) : "");
  if (r.first) {
    out += fmt::format("first divergent  {}\n           {}\n", value_label(*r.first),
                       stats_line(r.first->stats));
    for (const Neighbour& n : r.neighbours)
      out += fmt::format("  {:<7} {}  max abs {:.3g}, mean abs {:.3g}{}\n", n.relation,
                         value_label(n.error), n.error.stats.max_abs, n.error.stats.mean_abs,
                         n.error.diverges() ? "  beyond" : "");
  }
  out += "\nper node   max abs     mean abs    (topological order; * beyond tolerance)\n";
  for (const ValueError& v : r.curve)
    out += fmt::format("  {:<1} {:>10.3g}  {:>10.3g}  {}  [{}]\n", v.diverges() ? "*" : " ",
                       v.stats.max_abs, v.stats.mean_abs, value_label(v), v.method);
  if (!r.skipped.empty()) {
    out += "\nskipped\n";
    for (const SkippedValue& s : r.skipped)
      out += fmt::format("  {} → {}: {}\n", s.node, s.value, s.reason);
  }
  return out;
}

}  // namespace nnd::analysis
