#include "campaign/mutations.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/error.h"
#include "mutate/loop/loop_mutants.h"

namespace nnd::campaign {

namespace {

struct Wanted {
  mutate::Operator op;
  std::string where;  // the campaign line that named it; empty when reached through a category
};

std::vector<Wanted> wanted_operators(const MutationSelection& selection) {
  std::vector<Wanted> out;
  auto add = [&](mutate::Operator op, const std::string& where) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Wanted& w) { return w.op == op; });
    if (it == out.end())
      out.push_back({op, where});
    else if (it->where.empty())
      it->where = where;
  };
  for (const Located& op : selection.operators) add(mutate::operator_named(op.text), op.where);
  for (const Located& category : selection.categories)
    for (mutate::Operator op : mutate::operators_of_category(category.text)) add(op, "");
  return out;
}

PlannedMutant would_be(mutate::Operator op, const std::string& position, const std::string& why) {
  PlannedMutant p;
  p.mutant.spec.op = op;
  p.mutant.note = why;
  p.record = mutant_record(p.mutant);
  p.record.position = position;
  return p;
}

// Per halide environment, its loop sites (compiled once per plan).
using LoopSitesByEnv = std::map<size_t, std::map<std::string, std::vector<std::string>>>;

// A loop operator's mutants. Its sites are counted in each environment's own loop IR; a
// position runs where that environment has the site. Each mutant is compiled once here, in the
// first such environment: one whose loop IR comes out unchanged is a would-be mutant.
void plan_loop_operator(const Wanted& w, const std::vector<size_t>& envs,
                        const std::vector<std::string>& position_specs,
                        const CampaignConfig& config, const data::CardedModel& model,
                        LoopSitesByEnv& loop_sites, MutationPlan& plan) {
  const mutate::OperatorInfo& info = mutate::info(w.op);
  std::map<size_t, size_t> count;  // env -> sites
  size_t most = 0;
  for (size_t e : envs) {
    if (!loop_sites.count(e))
      loop_sites[e] = mutate::loop::loop_sites(model.model, config.environments[e]);
    count[e] = loop_sites[e][std::string(info.id)].size();
    most = std::max(most, count[e]);
  }
  if (most == 0) {
    if (!w.where.empty())
      fail(
          "{}: mutations.operators: '{}' has no site in the loop IR of {} on its halide "
          "environments",
          w.where, info.id, model.path);
    plan.mutants.push_back(would_be(w.op, "each", "no site in this model's loop IR"));
    return;
  }
  for (const mutate::Position& position : mutate::expand_positions(position_specs, most)) {
    mutate::Mutant m;
    m.spec = {w.op, position};
    std::vector<size_t> runs_on;
    for (size_t e : envs) {
      try {
        position.select(count[e], info.id);
        runs_on.push_back(e);
      } catch (const UserError&) {
        // Past this environment's last site: the mutant does not exist there.
      }
    }
    if (runs_on.empty()) continue;
    const mutate::loop::LoopMutantBuild build =
        mutate::loop::build_loop_mutant(model.model, config.environments[runs_on[0]], m.spec);
    m.where = build.where;
    if (build.ir_changed)
      m.sites = static_cast<int64_t>(build.where.size());
    else
      m.note = "the mutated loop IR equals the original";
    PlannedMutant p;
    p.record = mutant_record(m);
    if (m.is_mutant()) p.environments = runs_on;
    p.mutant = std::move(m);
    plan.mutants.push_back(std::move(p));
  }
}

}  // namespace

MutantRecord mutant_record(const mutate::Mutant& m) {
  const mutate::OperatorInfo& info = mutate::info(m.spec.op);
  MutantRecord r;
  r.op = std::string(info.id);
  r.category = std::string(mutate::category_id(info.category));
  r.position = m.spec.position.text();
  r.diff = m.diff;
  r.level = std::string(mutate::level_name(info.level));
  r.sites = m.sites;
  r.site_list = fmt::format("{}", fmt::join(m.where, "\n"));
  r.note = m.sites == 0 ? m.note : m.build_error;
  return r;
}

MutationPlan plan_mutations(const CampaignConfig& config, const data::CardedModel& model) {
  MutationPlan plan;
  const MutationSelection& selection = config.mutations;
  if (!selection.any()) return plan;
  if (!selection.models.empty() && std::find(selection.models.begin(), selection.models.end(),
                                             model.path) == selection.models.end())
    return plan;
  std::vector<size_t> envs;
  for (size_t e = 0; e < config.environments.size(); ++e)
    if (selection.environments.empty() ||
        std::find(selection.environments.begin(), selection.environments.end(),
                  config.environments[e].canonical()) != selection.environments.end())
      envs.push_back(e);
  std::vector<std::string> position_specs;
  for (const Located& p : selection.positions) position_specs.push_back(p.text);
  LoopSitesByEnv loop_sites;

  for (const Wanted& w : wanted_operators(selection)) {
    const mutate::OperatorInfo& info = mutate::info(w.op);
    std::vector<size_t> op_envs;
    for (size_t e : envs)
      if (mutate::applies_to_framework(info.level, config.environments[e].framework))
        op_envs.push_back(e);
    if (info.level == mutate::Level::kLoop) {
      if (op_envs.empty()) {
        if (!w.where.empty())
          plan.notes.push_back(
              fmt::format("{}: {} applies to halide environments only, and the "
                          "mutations select none: not run",
                          w.where, info.id));
        continue;
      }
      plan_loop_operator(w, op_envs, position_specs, config, model, loop_sites, plan);
      continue;
    }
    if (op_envs.empty()) continue;
    const std::vector<mutate::Site> sites = mutate::find_sites(model.model, model.card, w.op);
    if (sites.empty()) {
      if (!w.where.empty())
        fail("{}: mutations.operators: '{}' has no site in {}", w.where, info.id, model.path);
      plan.mutants.push_back(would_be(w.op, "each", "no site in this model"));
      continue;
    }
    for (const mutate::Position& position :
         mutate::expand_positions(position_specs, sites.size())) {
      mutate::Mutant m;
      try {
        m = mutate::make_mutant(model.model, model.card, {w.op, position});
      } catch (const UserError& e) {
        // Only a position past the last site gets here: an error where the operator was named.
        if (w.where.empty()) continue;
        fail("{}: mutations: {} in {}", w.where, e.what(), model.path);
      }
      PlannedMutant p;
      p.record = mutant_record(m);
      if (m.is_mutant()) p.environments = op_envs;
      p.mutant = std::move(m);
      plan.mutants.push_back(std::move(p));
    }
  }
  return plan;
}

}  // namespace nnd::campaign
