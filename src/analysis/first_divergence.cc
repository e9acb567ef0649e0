#include "analysis/first_divergence.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <set>

#include "analysis/first_divergence_store.h"
#include "analysis/parallel.h"
#include "backends/transforms.h"
#include "core/error.h"
#include "core/sha256.h"
#include "data/feeds.h"
#include "data/session.h"
#include "worker/env_session.h"

namespace nnd::analysis {

namespace {

// One environment's answers to the inputs of one model (repetition 0, outcome ok).
struct Answers {
  std::string env;
  std::map<int64_t, int32_t> top1;               // by input id
  std::map<int64_t, std::vector<float>> logits;  // where kept
};

Answers answers_of(campaign::Store& store, const campaign::RunRow& run) {
  Answers a;
  a.env = run.environment;
  for (campaign::PredictionRecord& p : store.predictions(run.id)) {
    if (p.repetition != 0 || p.outcome != "ok" || p.top_ids.empty()) continue;
    a.top1[p.input_id] = p.top_ids.front();
    if (p.logits) a.logits[p.input_id] = std::move(*p.logits);
  }
  return a;
}

// How b answers against a (the reference) on the inputs both answered: whether a top-1 label
// differs or kept logits are beyond tolerance, and the input to look inside: the first whose
// label differs, else the one with the largest logits error, else the first both answered.
struct PairCheck {
  bool diverges = false;
  int64_t input = -1;
};

PairCheck check_pair(const Answers& a, const Answers& b, const Tolerance& tolerance) {
  PairCheck check;
  int64_t flip = -1, worst = -1, first = -1;
  double worst_abs = -1;
  ErrorAccumulator logits(tolerance);
  for (const auto& [input, top1] : a.top1) {
    auto other = b.top1.find(input);
    if (other == b.top1.end()) continue;
    if (first < 0) first = input;
    if (other->second != top1 && flip < 0) flip = input;
    auto la = a.logits.find(input), lb = b.logits.find(input);
    if (la == a.logits.end() || lb == b.logits.end() || la->second.size() != lb->second.size())
      continue;
    logits.add(lb->second, la->second);
    const ErrorStats one = compare_values(lb->second, la->second, tolerance);
    if (one.max_abs > worst_abs) {
      worst_abs = one.max_abs;
      worst = input;
    }
  }
  check.diverges = flip >= 0 || !logits.stats().passes();
  check.input = flip >= 0 ? flip : worst >= 0 ? worst : first;
  return check;
}

// The model's inputs for one dataset key, as the campaign fed them.
TensorMap inputs_for(const campaign::CampaignConfig& config, const data::CardedModel& model,
                     const std::string& key) {
  const data::DatasetSpec spec = data::DatasetSpec::parse(config.dataset);
  if (data::is_feed_spec(spec) && (model.card.from_model || spec.kind != "npy")) {
    const std::vector<data::InputSpec> inputs =
        data::model_inputs(model.model, data::parse_shapes(config.shapes), model.path);
    for (InputCase& c : read_cases(spec, model.card, inputs))
      if (c.key == key) return std::move(c.inputs);
    fail("{}: input '{}' is no longer in {}", config.path, key, spec.canonical());
  }
  return read_cases(std::vector<std::string>{key}, model.card).front().inputs;
}

struct Pair {
  size_t reference = 0, candidate = 0;  // indices into the model's answers
  int64_t input = -1;                   // the input to look inside
};

// One model's diverging pairs still without a row, and what each environment must run.
struct ModelPlan {
  int64_t model_id = 0;
  std::string name;
  data::CardedModel model;
  std::vector<Answers> answers;
  std::vector<Pair> pairs;
  std::map<std::string, std::map<int64_t, TensorMap>> wanted;  // by environment, by input id
};

// One environment's values on the inputs a model's pairs look inside, by input id; or why there
// are none.
struct Captures {
  std::map<int64_t, TensorMap> values;
  std::string why;
};

// One worker per environment for every model (starting one costs about a second; EnvSession::load
// prepares the next model in the same worker, or in a fresh one after a crash).
std::vector<Captures> capture(const std::string& env, const std::vector<ModelPlan>& plans,
                              const campaign::CampaignConfig& config) {
  std::vector<Captures> out(plans.size());
  std::unique_ptr<worker::EnvSession> session;
  for (size_t m = 0; m < plans.size(); ++m) {
    auto wanted = plans[m].wanted.find(env);
    if (wanted == plans[m].wanted.end()) continue;
    Captures& c = out[m];
    const char* stage = "load";
    try {
      const backends::EnvSpec spec = backends::EnvSpec::parse(env);
      const Model& model = plans[m].model.model;
      backends::apply_transforms(model, spec);  // a transform that cannot apply says so here
      worker::SessionOptions options;
      options.keep_intermediates = true;
      options.timeouts = config.timeouts;  // and a remote environment's worker where it runs
      if (auto via = config.via.find(env); via != config.via.end()) options.via = via->second;
      if (session)
        session->load(model);
      else
        session = std::make_unique<worker::EnvSession>(model, spec, options);
      stage = "run";
      for (const auto& [id, tensors] : wanted->second)
        c.values[id] = session->intermediates(tensors).outputs;
    } catch (const worker::WorkerFailure& e) {
      c.values.clear();
      c.why = fmt::format("{} cannot run the model with every value exposed ({} at {}): {}", env,
                          worker::outcome_name(e.outcome), stage, e.what());
    } catch (const UserError& e) {
      c.values.clear();
      c.why = fmt::format("{}: {}", env, e.what());
    }
  }
  return out;
}

void progress(const FirstDivergenceOptions& options, const std::string& line) {
  if (!options.quiet) fmt::print(stderr, "first divergent nodes: {}\n", line);
}

// The model's diverging pairs (see the header) that have no row yet.
std::optional<ModelPlan> plan_model(campaign::Store& store, const std::string& path,
                                    const std::vector<campaign::RunRow>& runs,
                                    const std::set<std::array<std::string, 3>>& recorded,
                                    const FirstDivergenceOptions& options,
                                    FirstDivergenceSummary& summary) {
  const std::string sha = sha256_file(path);
  ModelPlan plan;
  for (const campaign::RunRow& run : runs)
    if (run.model_sha256 == sha && run.mutant_id == 0 && run.status == campaign::RunStatus::kDone) {
      plan.name = run.model_name;
      plan.model_id = run.model_id;
      plan.answers.push_back(answers_of(store, run));
    }
  const std::vector<Answers>& answers = plan.answers;
  if (answers.size() < 2) return std::nullopt;
  size_t base = 0;
  const std::string baseline = options.baseline.empty() ? "ref@cpu:O2" : options.baseline;
  for (size_t i = 0; i < answers.size(); ++i)
    if (answers[i].env == baseline) base = i;
  // The environments that diverge from the baseline, and every diverging pair among them and it.
  // The baseline is the reference of its pairs, else the one the campaign ran first.
  std::vector<size_t> involved{base};
  for (size_t i = 0; i < answers.size(); ++i)
    if (i != base && check_pair(answers[base], answers[i], options.tolerance).diverges)
      involved.push_back(i);
  for (size_t x = 0; x < involved.size(); ++x)
    for (size_t y = x + 1; y < involved.size(); ++y) {
      const size_t r = involved[x], k = involved[y];
      const PairCheck check = check_pair(answers[r], answers[k], options.tolerance);
      if (!check.diverges) continue;
      ++summary.pairs;
      if (recorded.count({plan.name, answers[r].env, answers[k].env})) {
        ++summary.recorded_before;
        continue;
      }
      plan.pairs.push_back({r, k, check.input});
    }
  if (plan.pairs.empty()) return std::nullopt;
  plan.model = data::load_model_with_card(path);
  return plan;
}

std::vector<FirstDivergence> compare_pairs(const ModelPlan& plan,
                                           const std::map<std::string, const Captures*>& by_env,
                                           const std::map<int64_t, std::string>& key_of,
                                           const FirstDivergenceOptions& options,
                                           FirstDivergenceSummary& summary) {
  std::vector<FirstDivergence> rows;
  for (const Pair& p : plan.pairs) {
    FirstDivergence d;
    d.model_id = plan.model_id;
    d.model = plan.name;
    d.reference_env = plan.answers[p.reference].env;
    d.candidate_env = plan.answers[p.candidate].env;
    d.tolerance = options.tolerance;
    if (p.input < 0) {
      d.outcome = "failed";
      d.message = "no input was answered by both environments";
      rows.push_back(std::move(d));
      continue;
    }
    d.input = key_of.at(p.input);
    const Captures& r = *by_env.at(d.reference_env);
    const Captures& k = *by_env.at(d.candidate_env);
    if (!r.values.count(p.input) || !k.values.count(p.input)) {
      d.outcome = "failed";
      d.message = r.values.count(p.input) ? k.why : r.why;
    } else {
      LocalizeResult result;
      compare_exposed(plan.model.model.graph, {r.values.at(p.input)}, {k.values.at(p.input)},
                      {d.input}, options.tolerance, {d.reference_env, d.candidate_env}, result);
      d.compared = result.curve.size();
      d.skipped = result.skipped.size();
      d.first = result.first;
      d.outcome = result.first ? "found" : "none";
      if (result.first) ++summary.found;
    }
    rows.push_back(std::move(d));
  }
  return rows;
}

}  // namespace

FirstDivergenceSummary locate_first_divergences(campaign::Store& store,
                                                const campaign::CampaignConfig& config,
                                                const FirstDivergenceOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  FirstDivergenceSummary summary;
  const std::vector<campaign::RunRow> runs = store.runs();
  std::map<int64_t, std::string> key_of;
  for (const campaign::InputRecord& input : store.inputs()) key_of[input.id] = input.dataset_key;
  std::set<std::array<std::string, 3>> recorded;
  for (const FirstDivergence& d : read_first_divergences(store))
    recorded.insert({d.model, d.reference_env, d.candidate_env});

  std::vector<ModelPlan> plans;
  std::set<std::string> envs;
  for (const std::string& path : config.models) {
    std::optional<ModelPlan> plan = plan_model(store, path, runs, recorded, options, summary);
    if (!plan) continue;
    for (const Pair& p : plan->pairs) {
      if (p.input < 0) continue;
      const TensorMap inputs = inputs_for(config, plan->model, key_of.at(p.input));
      for (size_t e : {p.reference, p.candidate})
        plan->wanted[plan->answers[e].env].emplace(p.input, inputs);
    }
    for (const auto& entry : plan->wanted) envs.insert(entry.first);
    progress(options, fmt::format("{}: {} pair{}", plan->name, plan->pairs.size(),
                                  plan->pairs.size() == 1 ? "" : "s"));
    plans.push_back(std::move(*plan));
  }
  if (plans.empty()) {
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return summary;
  }
  const std::vector<std::string> env_list(envs.begin(), envs.end());
  progress(options, fmt::format("{} environment{} with every value exposed", env_list.size(),
                                env_list.size() == 1 ? "" : "s"));
  const std::vector<std::vector<Captures>> captures =
      in_parallel(env_list.size(), [&](size_t e) { return capture(env_list[e], plans, config); });
  for (size_t m = 0; m < plans.size(); ++m) {
    std::map<std::string, const Captures*> by_env;
    for (size_t e = 0; e < env_list.size(); ++e) by_env[env_list[e]] = &captures[e][m];
    write_first_divergences(store, compare_pairs(plans[m], by_env, key_of, options, summary));
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

std::string first_divergence_text(const FirstDivergence& d) {
  if (d.outcome == "failed") return fmt::format("first divergent node not known: {}", d.message);
  if (!d.first)
    return fmt::format(
        "no value beyond tolerance on {} with every value exposed ({} values compared; exposing "
        "them can keep a framework from fusing the nodes that diverge)",
        d.input, d.compared);
  const ValueError& v = *d.first;
  std::string how;
  if (v.shapes)
    how = fmt::format("shape {} in {} but {} in {}", shape_string(v.shapes->reference),
                      d.reference_env, shape_string(v.shapes->candidate), d.candidate_env);
  else
    how = fmt::format("max abs {:.3g} ({} of {} elements beyond tolerance)", v.stats.max_abs,
                      v.stats.beyond, v.stats.count);
  // A side that returns few values (pytorch's TorchScript has no ONNX value names) leaves the
  // node it names as the first of those compared, not necessarily the first that diverges.
  const std::string skipped =
      d.skipped ? fmt::format("; only {} of {} values compared, the others not returned by both",
                              d.compared, d.compared + d.skipped)
                : "";
  return fmt::format("first divergent node #{} {} ({}) → {}: {} on {}{}", v.position, v.node, v.op,
                     v.value, how, d.input, skipped);
}

}  // namespace nnd::analysis
