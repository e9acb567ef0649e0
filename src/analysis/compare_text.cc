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

std::string shapes_text(const ShapeMismatch& m, const std::string& reference,
                        const std::string& candidate) {
  return fmt::format("shape {} in {} but {} in {} (input {})", shape_string(m.reference), reference,
                     shape_string(m.candidate), candidate, m.input);
}

std::vector<std::string> findings(const CompareResult& r) {
  std::vector<std::string> out;
  if (r.failed()) return out;
  if (r.top1_flips > 0)
    out.push_back(fmt::format("{} of {} top-1 labels differ ({:.2f}%)", r.top1_flips,
                              r.inputs.size(), r.flip_percent()));
  for (const OutputComparison& o : r.outputs) {
    if (o.shapes)
      out.push_back(fmt::format("output {}: {}", o.name,
                                shapes_text(*o.shapes, r.reference_env, r.candidate_env)));
    if (!o.stats.passes())
      out.push_back(
          fmt::format("output {}: {} of {} elements beyond atol {:g}, rtol {:g} (max abs {:.3g}, "
                      "max rel {:.3g})",
                      o.name, o.stats.beyond, o.stats.count, o.tolerance.atol, o.tolerance.rtol,
                      o.stats.max_abs, o.stats.max_rel));
  }
  return out;
}

std::string value_label(const ValueError& v) {
  return fmt::format("#{} {} ({}) → {}", v.position, v.node, v.op, v.value);
}

std::string verdict_line(const CompareResult& r) {
  if (r.reference_failure) return "FAILED: " + failure_text(r.reference_env, *r.reference_failure);
  if (r.candidate_failure) return "FAILED: " + failure_text(r.candidate_env, *r.candidate_failure);
  const std::string tolerance =
      fmt::format("atol {:g}, rtol {:g}", r.tolerance.atol, r.tolerance.rtol);
  const std::string outputs =
      r.outputs.size() > 1 ? fmt::format("all {} outputs", r.outputs.size()) : r.output;
  if (!r.diverges())
    return fmt::format("agree: no top-1 flips in {} inputs, {} within tolerance ({})",
                       r.inputs.size(), outputs, tolerance);
  for (const OutputComparison& o : r.outputs)
    if (o.shapes)
      return fmt::format("DIVERGE: output {} has {}", o.name,
                         shapes_text(*o.shapes, r.reference_env, r.candidate_env));
  std::vector<std::string> beyond;
  for (const OutputComparison& o : r.outputs)
    if (o.diverges()) beyond.push_back(o.name);
  return fmt::format("DIVERGE: {} of {} top-1 labels differ ({:.2f}%); {} {} tolerance ({})",
                     r.top1_flips, r.inputs.size(), r.flip_percent(),
                     beyond.empty() ? outputs : fmt::format("{}", fmt::join(beyond, ", ")),
                     beyond.empty() ? "within" : "beyond", tolerance);
}

std::string verdict_line(const LocalizeResult& r) {
  if (r.failure && r.failure->found)
    return fmt::format("FAILED: {} fails at node #{} {} ({}) → {}: {}", r.failure->env,
                       r.failure->position, r.failure->node, r.failure->op, r.failure->value,
                       r.failure->message);
  if (r.compare.failed() || !r.compare.diverges()) return verdict_line(r.compare);
  if (r.first && r.first->shapes)
    return fmt::format(
        "DIVERGE from node {}: {} ({} of {} top-1 labels differ)", value_label(*r.first),
        shapes_text(*r.first->shapes, r.compare.reference_env, r.compare.candidate_env),
        r.compare.top1_flips, r.compare.inputs.size());
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
  for (const std::string& f : findings(r)) out += fmt::format("finding    {}\n", f);
  out += side_line("reference", r.reference_env, r.reference_model, r.reference_description,
                   r.reference_failure);
  out += side_line("candidate", r.candidate_env, r.candidate_model, r.candidate_description,
                   r.candidate_failure);
  out += fmt::format("inputs     {} compared ({})\n", r.inputs.size(), dataset);
  if (r.inputs.empty()) return out;
  out += fmt::format("top-1      {} flips ({:.2f}%)\n", r.top1_flips, r.flip_percent());
  for (const OutputComparison& o : r.outputs) {
    if (o.shapes) {
      out += fmt::format("{:<10} {}\n", o.name,
                         shapes_text(*o.shapes, r.reference_env, r.candidate_env));
      if (o.stats.count == 0) continue;
    }
    out += fmt::format("{:<10} {}\n", o.name, stats_line(o.stats));
    out += fmt::format(
        "           {} under atol {:g}, rtol {:g}; passes with atol >= {:.3g} (rtol 0) or rtol >= "
        "{:.3g} (atol 0)\n",
        o.diverges() ? "fails" : "passes", o.tolerance.atol, o.tolerance.rtol, o.stats.needed_atol,
        o.stats.needed_rtol);
  }
  size_t shown = 0;
  for (const InputComparison& c : r.inputs) {
    if (c.top1_reference == c.top1_candidate) continue;
    if (shown++ == 10) {
      out += fmt::format("           ... {} more flips\n", r.top1_flips - 10);
      break;
    }
    out += fmt::format("flipped    {}  {} → {}\n", c.key, r.label(c.top1_reference),
                       r.label(c.top1_candidate));
  }
  return out;
}

std::string localize_text(const LocalizeResult& r, const std::string& dataset) {
  std::string out = fmt::format("verdict    {}\n", verdict_line(r));
  if (r.first) {
    const ValueError& f = *r.first;
    out += fmt::format(
        "finding    first divergent node {}: {}\n", value_label(f),
        f.shapes ? shapes_text(*f.shapes, r.compare.reference_env, r.compare.candidate_env)
                 : stats_line(f.stats));
  }
  std::string details = compare_text(r.compare, dataset);
  out += details.substr(details.find('\n') + 1);
  if (r.failure) {
    const FailureLocation& f = *r.failure;
    if (f.found)
      out += fmt::format(
          "\nfails at   #{} {} ({}) → {} on input {}: the first prefix model that fails ({} "
          "prefix models run){}\n           {}\n",
          f.position, f.node, f.op, f.value, f.input, f.probes,
          f.last_ok_node.empty()
              ? ""
              : fmt::format("; the prefix up to {} → {} runs", f.last_ok_node, f.last_ok_value),
          f.message);
    else
      out += fmt::format(
          "\nnot localized: every prefix model of {} runs on input {} ({} tried); only the whole "
          "model fails\n",
          f.env, f.input, f.probes);
  }
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
                       r.first->shapes ? shapes_text(*r.first->shapes, r.compare.reference_env,
                                                     r.compare.candidate_env)
                                       : stats_line(r.first->stats));
    for (const Neighbour& n : r.neighbours)
      out += fmt::format("  {:<7} {}  max abs {:.3g}, mean abs {:.3g}{}\n", n.relation,
                         value_label(n.error), n.error.stats.max_abs, n.error.stats.mean_abs,
                         n.error.diverges() ? "  beyond" : "");
  }
  out += "\nper node   max abs     mean abs    (topological order; * beyond tolerance)\n";
  for (const ValueError& v : r.curve)
    out += fmt::format("  {:<1} {:>10.3g}  {:>10.3g}  {}  [{}]{}\n", v.diverges() ? "*" : " ",
                       v.stats.max_abs, v.stats.mean_abs, value_label(v), v.method,
                       v.shapes ? fmt::format("  shape {} vs {}", shape_string(v.shapes->reference),
                                              shape_string(v.shapes->candidate))
                                : "");
  if (!r.skipped.empty()) {
    out += "\nskipped\n";
    for (const SkippedValue& s : r.skipped)
      out += fmt::format("  {} → {}: {}\n", s.node, s.value, s.reason);
  }
  return out;
}

}  // namespace nnd::analysis
