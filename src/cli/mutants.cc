// nndelta mutants: the mutation catalogue (`operators`), the mutants a model admits (`list`), and
// one mutant's diff (`show`), from a model or from a campaign's store.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "backends/env_spec.h"
#include "campaign/store.h"
#include "cli/command.h"
#include "core/error.h"
#include "data/session.h"
#include "mutate/catalogue.h"
#include "mutate/loop/loop_mutants.h"
#include "mutate/mutant.h"

namespace nnd::cli {

namespace {

struct MutantsOptions {
  std::string model, card, env, id, store;
};

int print_operators() {
  fmt::print("{:<28} {:<30} {:<6} {}\n", "operator", "category", "level", "description");
  for (const mutate::OperatorInfo& o : mutate::operators())
    fmt::print("{:<28} {:<30} {:<6} {}{}\n", o.id, mutate::category_id(o.category),
               mutate::level_name(o.level), o.description,
               o.level == mutate::Level::kLoop ? " [halide environments only]" : "");
  fmt::print("\ncategories:");
  for (mutate::Category c : mutate::categories())
    fmt::print(" {} ({});", mutate::category_id(c), mutate::category_name(c));
  fmt::print("\n");
  return 0;
}

int list_mutants(const MutantsOptions& o) {
  const data::CardedModel model = data::load_carded_model(o.model, o.card);
  std::string framework;
  if (!o.env.empty()) framework = backends::EnvSpec::parse(o.env).framework;
  fmt::print("{:<32} {:<28} {:<6} {}\n", "id", "category", "level", "site");
  int loop_operators = 0;
  std::map<std::string, std::vector<std::string>> loop_sites;  // compiled on first need
  for (const mutate::OperatorInfo& op : mutate::operators()) {
    if (!o.env.empty() && !mutate::applies_to_framework(op.level, framework)) continue;
    if (op.level == mutate::Level::kLoop) {
      if (o.env.empty()) {
        ++loop_operators;
        continue;
      }
      if (loop_sites.empty())
        loop_sites = mutate::loop::loop_sites(model.model, backends::EnvSpec::parse(o.env));
      const std::vector<std::string>& sites = loop_sites[std::string(op.id)];
      if (sites.empty())
        fmt::print("{:<32} {:<28} {:<6} no site in this model's loop IR\n",
                   std::string(op.id) + "@-", mutate::category_id(op.category), "loop");
      for (size_t k = 0; k < sites.size(); ++k)
        fmt::print("{:<32} {:<28} {:<6} {}\n", fmt::format("{}@{}", op.id, k + 1),
                   mutate::category_id(op.category), "loop", sites[k]);
      continue;
    }
    const std::vector<mutate::Site> sites = mutate::find_sites(model.model, model.card, op.op);
    if (sites.empty())
      fmt::print("{:<32} {:<28} {:<6} no site in this model\n", std::string(op.id) + "@-",
                 mutate::category_id(op.category), mutate::level_name(op.level));
    for (size_t k = 0; k < sites.size(); ++k)
      fmt::print(
          "{:<32} {:<28} {:<6} {}{}\n", fmt::format("{}@{}", op.id, k + 1),
          mutate::category_id(op.category), mutate::level_name(op.level), sites[k].where,
          sites[k].applicable() ? "" : "  (not applicable: " + sites[k].not_applicable + ")");
  }
  if (loop_operators > 0)
    fmt::print("\n{} loop-level operators apply to halide environments only (--env halide@...)\n",
               loop_operators);
  fmt::print(
      "\nPositions: K, A-B (sites A to B in one mutant) or all; e.g. nndelta mutants show "
      "add-to-sub@all --model {}\n",
      o.model);
  return 0;
}

void print_record(const campaign::MutantRecord& m, const std::string& model) {
  fmt::print("mutant {}@{} of {}\n", m.op, m.position, model);
  if (auto op = mutate::find_operator(m.op))
    fmt::print("operator: {} ({}, {} level)\n", mutate::info(*op).description, m.category, m.level);
  if (m.sites == 0) {
    fmt::print("not a mutant: {}\n", m.note);
    return;
  }
  fmt::print("sites changed: {}\n", m.sites);
  if (!m.site_list.empty()) {
    std::string lines = m.site_list;
    std::replace(lines.begin(), lines.end(), '\n', ';');
    fmt::print("  {}\n", lines);
  }
  if (!m.note.empty()) fmt::print("fails to build: {}\n", m.note);
  fmt::print("\n{}", m.diff);
}

// A loop mutant: compiled beside the original for --env, with the loop-IR and source diffs.
int show_loop_mutant(const MutantsOptions& o, const data::CardedModel& model,
                     const mutate::MutantSpec& spec) {
  if (o.env.empty())
    fail(
        "mutants show {}: a loop-level mutant needs --env, a halide environment (its sites are "
        "in that environment's loop IR)",
        o.id);
  const backends::EnvSpec env = backends::EnvSpec::parse(o.env);
  const mutate::loop::LoopMutantBuild build =
      mutate::loop::build_loop_mutant(model.model, env, spec);
  campaign::MutantRecord record;
  record.op = std::string(mutate::info(spec.op).id);
  record.category = std::string(mutate::category_id(mutate::info(spec.op).category));
  record.level = "loop";
  record.position = spec.position.text();
  record.sites = build.ir_changed ? static_cast<int64_t>(build.where.size()) : 0;
  for (const std::string& w : build.where)
    record.site_list += (record.site_list.empty() ? "" : "\n") + w;
  record.note = build.ir_changed ? "" : "the mutated loop IR equals the original";
  const std::string work =
      (std::filesystem::temp_directory_path() / fmt::format("nndelta-mutant-{}", ::getpid()))
          .string();
  if (build.ir_changed) record.diff = mutate::loop::loop_mutant_diff(model.model, env, spec, work);
  print_record(record, fmt::format("{} on {}", o.model, env.canonical()));
  if (build.ir_changed) fmt::print("(compiled stages kept in {})\n", work);
  return 0;
}

int show_mutant(const MutantsOptions& o) {
  if (o.model.empty() == o.store.empty())
    fail(
        "mutants show {}: give --model MODEL (ids as `nndelta mutants list` prints them) or "
        "--store DB (ids of the store's mutants table)",
        o.id);
  if (!o.store.empty()) {
    auto store = campaign::Store::open_read_only(o.store);
    std::vector<campaign::MutantRecord> all = store->mutants();
    auto it = std::find_if(all.begin(), all.end(), [&](const campaign::MutantRecord& m) {
      return std::to_string(m.id) == o.id || m.op + "@" + m.position == o.id;
    });
    if (it == all.end())
      fail("{}: no mutant '{}' (the store has {} mutants; see nndelta report)", o.store, o.id,
           all.size());
    std::string model_name = std::to_string(it->model_id);
    for (const campaign::RunRow& run : store->runs())
      if (run.model_id == it->model_id) model_name = run.model_name;
    print_record(*it, model_name);
    return 0;
  }
  const data::CardedModel model = data::load_carded_model(o.model, o.card);
  const mutate::MutantSpec spec = mutate::MutantSpec::parse(o.id);
  if (mutate::info(spec.op).level == mutate::Level::kLoop) return show_loop_mutant(o, model, spec);
  const mutate::Mutant m = mutate::make_mutant(model.model, model.card, spec);
  campaign::MutantRecord record;
  record.op = std::string(mutate::info(spec.op).id);
  record.category = std::string(mutate::category_id(mutate::info(spec.op).category));
  record.level = std::string(mutate::level_name(mutate::info(spec.op).level));
  record.position = spec.position.text();
  record.sites = m.sites;
  for (const std::string& w : m.where)
    record.site_list += (record.site_list.empty() ? "" : "\n") + w;
  record.note = m.sites == 0 ? m.note : m.build_error;
  record.diff = m.diff;
  print_record(record, o.model);
  return 0;
}

}  // namespace

Run add_mutants(CLI::App& app) {
  auto o = std::make_shared<MutantsOptions>();
  app.require_subcommand(1);
  CLI::App* operators = app.add_subcommand("operators", "The mutation catalogue: every operator");
  CLI::App* list = app.add_subcommand("list", "The (operator, position) pairs a model admits");
  list->add_option("model", o->model, "ONNX model (its card beside it)")->required();
  list->add_option("--card", o->card, "model card (default: the .toml beside the model)");
  list->add_option("--env", o->env, "only operators that apply to this environment");
  CLI::App* show = app.add_subcommand("show", "One mutant: the sites it changes and its diff");
  show->add_option("id", o->id, "mutant id, e.g. add-to-sub@2 (or a store's mutant id)")
      ->required();
  show->add_option("--model", o->model, "ONNX model the id refers to");
  show->add_option("--card", o->card, "model card (default: the .toml beside the model)");
  show->add_option("--store", o->store, "a campaign's store: show its mutant");
  show->add_option("--env", o->env,
                   "a halide environment: where a loop-level mutant is compiled (e.g. "
                   "halide@cpu:O2)");
  return [o, operators, list, show] {
    if (operators->parsed()) return print_operators();
    if (list->parsed()) return list_mutants(*o);
    if (show->parsed()) return show_mutant(*o);
    return 2;
  };
}

}  // namespace nnd::cli
