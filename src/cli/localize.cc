// nndelta localize: where inside the model two sides start to disagree. Runs both on the inputs
// whose outputs diverge, keeping every intermediate value (or, where a framework cannot expose
// them, bisecting on prefix models), and reports the first node in topological order beyond
// tolerance with its neighbours and a per-node error curve. With --store, does so for every pair
// of environments of a model whose top-1 answers differ in the store, on the inputs that differ.
// Exit 0 when the sides agree, 1 when they diverge or a side fails, 2 on bad input.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "analysis/compare_json.h"
#include "analysis/compare_setup.h"
#include "analysis/compare_text.h"
#include "analysis/localize_store.h"
#include "analysis/reproducer.h"
#include "cli/command.h"
#include "cli/pair_options.h"
#include "core/error.h"
#include "report/error_curve_svg.h"
#include "report/text.h"

namespace nnd::cli {

namespace {

struct LocalizeCliOptions {
  analysis::PairRequest pair;
  std::vector<std::string> atol, rtol;
  analysis::Tolerances tolerance;  // parsed from atol and rtol
  size_t inputs = 4;
  std::string method = "auto";
  std::string format = "text";
  std::string out;
  std::string store;
  std::string reproducer;  // a folder for the reproducer of the first divergent node
};

struct Localized {
  std::string title;    // "resnet: ref@cpu:O2 vs torch@cpu:O3"
  std::string dataset;  // what the inputs were
  analysis::LocalizeResult result;
  std::optional<analysis::Reproducer> reproducer;
};

std::string reproducer_text(const analysis::Reproducer& r) {
  return fmt::format(
      "\nreproducer {}: {} node{} ({}){}\n           {}\n           {}\n", r.dir, r.nodes.size(),
      r.nodes.size() == 1 ? "" : "s", fmt::join(r.nodes, ", "),
      r.diverges ? "" : " (it does not diverge on its own: the largest subgraph tried)", r.verdict,
      r.command);
}

nlohmann::json reproducer_json(const std::optional<analysis::Reproducer>& r) {
  if (!r) return nullptr;
  return {{"dir", r->dir},
          {"nodes", r->nodes},
          {"diverges", r->diverges},
          {"verdict", r->verdict},
          {"command", r->command}};
}

std::string html_section(const Localized& l, double atol) {
  const analysis::LocalizeResult& r = l.result;
  std::string out =
      fmt::format("<h2>{}</h2>\n<p class=\"verdict {}\">{}</p>\n", report::escape_xml(l.title),
                  analysis::verdict(r.compare), report::escape_xml(analysis::verdict_line(r)));
  if (!r.curve.empty()) {
    std::vector<report::ErrorCurvePoint> points;
    for (const analysis::ValueError& v : r.curve)
      points.push_back(
          {v.position, analysis::value_label(v), v.stats.max_abs, v.stats.mean_abs, v.diverges()});
    report::ErrorCurveOptions chart;
    chart.nodes = r.nodes;
    chart.atol = atol;
    if (r.first) chart.first_divergent = r.first->position;
    out += report::error_curve_svg(points, chart);
  }
  out += fmt::format("<pre>{}</pre>\n", report::escape_xml(analysis::localize_text(r, l.dataset)));
  return out;
}

void write_html(const std::vector<Localized>& all, double atol, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>nndelta localize</title>\n"
         "<style>body{font-family:sans-serif;margin:2em;max-width:60em}"
         "pre{font-size:12px;background:#f6f6f6;padding:1em;overflow-x:auto}"
         ".verdict{font-weight:bold}.diverge,.failed{color:#c0392b}.agree{color:#27ae60}"
         "</style></head><body>\n<h1>nndelta localize</h1>\n";
  if (all.empty()) out << "<p>No pair of environments differs in top-1 answers.</p>\n";
  for (const Localized& l : all) out << html_section(l, atol);
  out << "</body></html>\n";
}

Localized localize_one(const analysis::PairRequest& request, const LocalizeCliOptions& o) {
  analysis::PreparedPair pair = analysis::prepare_pair(request);
  check_tolerance_names(o.tolerance, pair.model.model, request.model);
  analysis::LocalizeOptions options;
  options.tolerance = o.tolerance;
  options.max_inputs = o.inputs;
  options.method = analysis::parse_method(o.method);
  Localized l;
  l.title = fmt::format("{}: {} vs {}", pair.model.card.name, pair.reference->env_name(),
                        pair.candidate->env_name());
  l.dataset = pair.dataset;
  l.result =
      analysis::localize(*pair.reference, *pair.candidate, pair.cases, pair.model.card, options);
  if (!o.reproducer.empty() && l.result.first) {
    // On the first input looked inside, where the divergence was seen.
    auto input = std::find_if(pair.cases.begin(), pair.cases.end(),
                              [&](const auto& c) { return c.key == l.result.inputs.front(); });
    l.reproducer = analysis::write_reproducer(l.result, *pair.reference, *pair.candidate, *input,
                                              o.tolerance, o.reproducer);
  }
  return l;
}

std::vector<Localized> localize_store(const LocalizeCliOptions& o) {
  if (!o.pair.envs.empty() || !o.pair.model_b.empty() || !o.pair.dataset.empty())
    fail(
        "--store takes the environments, models and inputs from the store: drop --env, "
        "--model-b and --dataset");
  std::unique_ptr<campaign::Store> store = campaign::Store::open_read_only(o.store);
  std::vector<Localized> all;
  for (const analysis::StorePair& p : analysis::divergent_pairs(*store, o.pair.model, o.inputs)) {
    analysis::PairRequest request;
    request.model = p.model_path;
    request.envs = {p.reference_env, p.candidate_env};
    request.keys = p.keys;
    request.threads = o.pair.threads;
    Localized l = localize_one(request, o);
    l.dataset = fmt::format("{} of the {} inputs whose top-1 differs in {}", p.keys.size(), p.flips,
                            o.store);
    all.push_back(std::move(l));
  }
  return all;
}

int run_localize(LocalizeCliOptions& o) {
  o.tolerance = parse_tolerances(o.atol, o.rtol);
  if (o.inputs == 0) fail("--inputs must be at least 1");
  analysis::parse_method(o.method);
  if (o.store.empty() && o.pair.model.empty()) fail("give --model (or --store)");
  if (!o.store.empty() && !o.reproducer.empty())
    fail("--reproducer writes one pair's reproducer: give --model and --env, not --store");
  std::vector<Localized> all;
  if (o.store.empty())
    all.push_back(localize_one(o.pair, o));
  else
    all = localize_store(o);

  std::string text;
  if (o.format == "json") {
    nlohmann::json json;
    if (o.store.empty()) {
      json = analysis::to_json(all.front().result);
      if (!o.reproducer.empty()) json["reproducer"] = reproducer_json(all.front().reproducer);
    } else {
      json = {{"store", o.store}, {"pairs", nlohmann::json::array()}};
      for (const Localized& l : all) json["pairs"].push_back(analysis::to_json(l.result));
    }
    text = json.dump(2) + "\n";
  } else if (o.format == "html") {
    std::ostringstream page;
    write_html(all, o.tolerance.base.atol, page);
    text = page.str();
  } else {
    if (all.empty())
      text = fmt::format("no pair of environments differs in top-1 answers in {}\n", o.store);
    for (const Localized& l : all)
      text += (o.store.empty() ? "" : fmt::format("== {}\n", l.title)) +
              analysis::localize_text(l.result, l.dataset) +
              (l.reproducer ? reproducer_text(*l.reproducer) : "") + (o.store.empty() ? "" : "\n");
  }
  if (o.out.empty()) {
    fmt::print("{}", text);
  } else {
    std::ofstream file(o.out, std::ios::binary);
    if (!(file << text)) fail("{}: cannot write the report", o.out);
    for (const Localized& l : all)
      fmt::print("{}{}\n", o.store.empty() ? "" : l.title + ": ", analysis::verdict_line(l.result));
    fmt::print("wrote {}\n", o.out);
  }
  bool diverges = false;
  for (const Localized& l : all) diverges |= l.result.diverges();
  return diverges ? 1 : 0;
}

}  // namespace

Run add_localize(CLI::App& app) {
  auto o = std::make_shared<LocalizeCliOptions>();
  app.add_option("--model", o->pair.model,
                 "ONNX model (its card is MODEL.toml beside it); with --store, a model name");
  app.add_option("--env", o->pair.envs,
                 "the reference environment, then the candidate; one with --model-b");
  app.add_option("--model-b", o->pair.model_b,
                 "the candidate's model (a converted or mutated copy); default --model");
  app.add_option("--dataset", o->pair.dataset,
                 "inputs: a dataset, or npy:FILE, npz:FILE, pb:DIR, random:N (default "
                 "fashion-mnist:test,limit=100 for a Fashion-MNIST card)");
  app.add_option("--card", o->pair.card, "model card (default: MODEL.toml beside the model)");
  app.add_option("--store", o->store,
                 "localize every pair of environments whose top-1 differs in this store");
  app.add_option("--inputs", o->inputs, "divergent inputs to look inside")->capture_default_str();
  app.add_option("--method", o->method,
                 "auto (exposure, bisection where a side cannot expose), exposure, bisection")
      ->capture_default_str();
  add_tolerance_options(app, o->atol, o->rtol);
  add_feed_options(app, o->pair.shapes);
  app.add_option("--threads", o->pair.threads, "threads per side")->capture_default_str();
  app.add_option("--format", o->format, "text, json or html")
      ->check(CLI::IsMember({"text", "json", "html"}))
      ->capture_default_str();
  app.add_option("--out", o->out, "write the report to FILE instead of stdout");
  app.add_option("--reproducer", o->reproducer,
                 "write the smallest subgraph that still diverges, its input and both sides' "
                 "outputs (.pb) and the compare command that shows it to DIR");
  return [o] { return run_localize(*o); };
}

}  // namespace nnd::cli
