#include "campaign/scheduler.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>
#include <variant>

#include "campaign/capture.h"
#include "campaign/inputs.h"
#include "campaign/mutations.h"
#include "campaign/progress.h"
#include "campaign/store.h"
#include "core/error.h"
#include "core/sha256.h"
#include "data/dataset.h"
#include "data/evaluate.h"
#include "data/session.h"
#include "mutate/loop/loop_mutants.h"
#include "worker/env_session.h"

namespace nnd::campaign {

namespace {

using Clock = std::chrono::steady_clock;

// A run abandons its inputs after this many worker deaths in a row (a mutant that crashes on
// every input would otherwise cost a worker start per input).
constexpr int kDeathsBeforeStuck = 3;

struct PreparedModel {
  data::CardedModel model;
  int64_t id = 0;
  std::shared_ptr<const std::vector<TensorMap>> inputs;  // by item position
  // [keep] intermediates: whether its runs capture any, and which of the campaign's value names
  // this model produces (empty: every value).
  bool captures = false;
  std::vector<std::string> intermediate_names;
};

// What one run executes: a model or one of its mutants, with the inputs it is fed. Graph mutants
// bring their own graph, input mutants their own inputs; the rest is the original's.
struct Variant {
  size_t model = 0;
  int64_t mutant_id = 0;  // 0: the original
  std::shared_ptr<const Model> graph;
  std::shared_ptr<const std::vector<TensorMap>> inputs;
  std::vector<size_t> environments;  // where it runs (indices into config.environments)
  std::string build_error;           // why the mutated graph does not check, when it does not
  std::string loop_mutation;         // a loop mutant's id: its halide environments get mutate=
};

struct Job {
  size_t model = 0, env = 0, variant = 0;
  int64_t run_id = 0;
  std::set<std::pair<int64_t, int>> recorded;
  std::set<std::pair<int64_t, int>> captured;
  std::atomic<int> segments_left{0};
  std::atomic<bool> abandoned{false};
};

struct Segment {
  Job* job;
  int repetition;
  std::vector<size_t> items;     // positions still missing
  std::vector<size_t> captures;  // positions whose intermediates are still missing
};

// A run's new status; kPending means "started" (stamps started_at); run 0 only wakes the writer.
struct StatusUpdate {
  int64_t run_id;
  RunStatus status;
  std::string message;
  std::string description;
};

using Result = std::variant<PredictionRecord, StatusUpdate, CaptureRecord>;

class ResultQueue {
 public:
  void push(Result r) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(r));
    }
    ready_.notify_one();
  }
  // Waits up to `wait` for results; returns everything queued.
  std::deque<Result> take(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, wait, [&] { return !items_.empty(); });
    return std::exchange(items_, {});
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Result> items_;
};

RunStatus status_for(worker::Outcome outcome) {
  switch (outcome) {
    case worker::Outcome::kRefused:
      return RunStatus::kRefused;
    case worker::Outcome::kFailed:
      return RunStatus::kFailed;
    case worker::Outcome::kHung:
      return RunStatus::kHung;
    default:
      return RunStatus::kCrashed;
  }
}

PredictionRecord prediction(const Job& job, int64_t input_id, int repetition,
                            const worker::InferResult& result, const data::ModelCard& card,
                            int top_k, bool keep_logits) {
  PredictionRecord p;
  p.run_id = job.run_id;
  p.input_id = input_id;
  p.repetition = repetition;
  p.latency_ns = static_cast<int64_t>(result.latency_ns);
  auto it = result.outputs.find(card.output);
  if (it == result.outputs.end()) {
    p.outcome = "failed";
    p.message = fmt::format("no output named '{}'", card.output);
    return p;
  }
  std::vector<float> all = it->second.to_floats();
  const size_t offset = static_cast<size_t>(card.label_offset);
  // Without a card, labels are class indices: every value of the output is a class score.
  const size_t classes = card.from_model ? all.size() : card.labels.size();
  if (all.size() < offset + classes) {
    p.outcome = "failed";
    p.message = fmt::format("output '{}' has {} values, the card needs {}", card.output, all.size(),
                            offset + classes);
    return p;
  }
  std::vector<float> scores(all.begin() + static_cast<long>(offset),
                            all.begin() + static_cast<long>(offset + classes));
  std::vector<int32_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t k = std::min<size_t>(static_cast<size_t>(top_k), order.size());
  // NaN sorts last, so a NaN score is never ranked above a number.
  auto higher = [&](int32_t a, int32_t b) {
    float x = scores[static_cast<size_t>(a)], y = scores[static_cast<size_t>(b)];
    if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
    return x > y || (x == y && a < b);
  };
  std::partial_sort(order.begin(), order.begin() + static_cast<long>(k), order.end(), higher);
  for (size_t i = 0; i < k; ++i) {
    p.top_ids.push_back(order[i]);
    p.top_scores.push_back(scores[static_cast<size_t>(order[i])]);
  }
  if (keep_logits) p.logits = std::move(scores);
  return p;
}

class Campaign {
 public:
  Campaign(const CampaignConfig& config, const RunOptions& options)
      : config_(config), options_(options) {}

  CampaignSummary run() {
    const auto start = Clock::now();
    summary_.store = options_.store.empty() ? config_.store : options_.store;
    store_ = Store::open(summary_.store);
    load_inputs();
    plan();
    summary_.recorded_before = 0;
    for (const auto& job : jobs_)
      summary_.recorded_before += static_cast<int64_t>(job->recorded.size());
    execute();
    for (const auto& job : jobs_)
      ++summary_.run_status[std::string(run_status_name(store_->run_status(job->run_id)))];
    summary_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return summary_;
  }

 private:
  void load_inputs() {
    std::vector<data::CardedModel> loaded;
    for (const std::string& path : config_.models)
      loaded.push_back(data::load_model_with_card(path));
    std::vector<const data::CardedModel*> pointers;
    for (const data::CardedModel& m : loaded) pointers.push_back(&m);
    const CampaignInputs campaign_inputs = read_campaign_items(config_, pointers);
    unreadable_ = campaign_inputs.unreadable;
    const std::vector<data::Item>& items = campaign_inputs.items;
    models_.reserve(config_.models.size());  // variants point into it
    for (size_t i = 0; i < loaded.size(); ++i) {
      const std::string& path = config_.models[i];
      PreparedModel m{std::move(loaded[i]), 0, {}, false, {}};
      m.id = store_->model_id({m.model.card.name, path, sha256_file(path)});
      m.inputs = std::make_shared<const std::vector<TensorMap>>(
          model_feeds(config_, campaign_inputs, m.model));
      models_.push_back(std::move(m));
      add_variants(models_.size() - 1, items);
    }
    const data::ModelCard& card = models_.front().model.card;
    for (const data::Item& item : items)
      input_ids_.push_back(store_->input_id(item.key, label_index(item, card), item.source));
    select_captures(items);
  }

  // The original and, per [mutations], every mutant of model `m`. Would-be mutants (no site
  // changed) go to the store, so that reports list them, and are never run.
  void add_variants(size_t m, const std::vector<data::Item>& items) {
    const PreparedModel& model = models_[m];
    Variant original;
    original.model = m;
    original.graph = std::shared_ptr<const Model>(std::shared_ptr<void>(), &model.model.model);
    original.inputs = model.inputs;
    for (size_t e = 0; e < config_.environments.size(); ++e) original.environments.push_back(e);
    variants_.push_back(std::move(original));
    MutationPlan plan = plan_mutations(config_, model.model);
    for (const std::string& note : plan.notes) notes_.push_back(note);
    for (PlannedMutant& p : plan.mutants) {
      Variant v;
      v.model = m;
      v.mutant_id = store_->mutant_id(model.id, p.record);
      if (p.environments.empty()) continue;
      v.environments = std::move(p.environments);
      v.build_error = p.mutant.build_error;
      if (mutate::info(p.mutant.spec.op).level == mutate::Level::kLoop)
        v.loop_mutation = p.mutant.spec.id();
      v.graph = p.mutant.model ? std::make_shared<const Model>(std::move(*p.mutant.model))
                               : variants_[first_variant(m)].graph;
      if (p.mutant.input_fault == data::InputFault::kNone) {
        v.inputs = model.inputs;
      } else {
        if (model.model.card.from_model)
          fail("{}: input mutants need a model card to preprocess images; {} has none",
               config_.path, model.model.path);
        auto inputs = std::make_shared<std::vector<TensorMap>>();
        for (const data::Item& item : items)
          inputs->push_back({{model.model.card.input,
                              data::model_input(item, model.model.card, p.mutant.input_fault)}});
        v.inputs = std::move(inputs);
      }
      variants_.push_back(std::move(v));
    }
  }

  size_t first_variant(size_t m) const {
    for (size_t i = 0; i < variants_.size(); ++i)
      if (variants_[i].model == m) return i;
    NND_CHECK(false, "model {} has no variant", m);
  }

  // [keep] intermediates: the item positions to capture, and per model the value names it has.
  void select_captures(const std::vector<data::Item>& items) {
    const IntermediatesSelection& selection = config_.intermediates;
    if (!selection.any()) return;
    for (size_t i = 0; i < items.size() && i < static_cast<size_t>(selection.first); ++i)
      capture_positions_.push_back(i);
    for (const Located& key : selection.keys) {
      auto it = std::find_if(items.begin(), items.end(),
                             [&](const data::Item& item) { return item.key == key.text; });
      if (it == items.end())
        fail("{}: keep.intermediates: '{}' is not among the campaign's inputs ({}: {} readable)",
             key.where, key.text, config_.dataset, items.size());
      capture_positions_.push_back(static_cast<size_t>(it - items.begin()));
    }
    std::set<std::string> known;
    for (PreparedModel& m : models_) {
      const std::set<std::string> produced = produced_values(m.model.model);
      for (const Located& value : selection.values)
        if (produced.count(value.text)) {
          m.intermediate_names.push_back(value.text);
          known.insert(value.text);
        }
      m.captures = selection.values.empty() || !m.intermediate_names.empty();
    }
    for (const Located& value : selection.values)
      if (!known.count(value.text))
        fail("{}: keep.intermediate_values: no node of the campaign's models produces '{}'",
             value.where, value.text);
  }

  void plan() {
    size_t position = 0;
    for (size_t v = 0; v < variants_.size(); ++v)
      for (size_t e : variants_[v].environments) {
        if (static_cast<int>(position++ % static_cast<size_t>(options_.shard.count)) !=
            options_.shard.index)
          continue;
        const size_t m = variants_[v].model;
        auto job = std::make_unique<Job>();
        job->model = m;
        job->env = e;
        job->variant = v;
        job->run_id = store_->run_id(models_[m].id,
                                     store_->environment_id(config_.environments[e].canonical()),
                                     variants_[v].mutant_id);
        job->recorded = store_->recorded(job->run_id);
        job->captured = store_->captured(job->run_id);
        jobs_.push_back(std::move(job));
      }
    summary_.runs = static_cast<int64_t>(jobs_.size());
    const std::set<RunStatus> finished_badly = {RunStatus::kRefused, RunStatus::kCrashed,
                                                RunStatus::kHung, RunStatus::kStuck,
                                                RunStatus::kFailed};
    // Repetition-major order interleaves the timing repetitions of every environment, so that
    // machine noise does not land on one environment.
    for (int rep = 0; rep < config_.repetitions; ++rep)
      for (size_t e = 0; e < config_.environments.size(); ++e)
        for (const auto& job : jobs_) {
          if (job->env != e) continue;
          summary_.expected += static_cast<int64_t>(input_ids_.size());
          const bool captures =
              models_[job->model].captures && job->variant == first_variant(job->model);
          if (rep == 0 && captures) {
            summary_.captures_expected += static_cast<int64_t>(capture_positions_.size());
            for (size_t i : capture_positions_)
              summary_.captures_recorded_before += job->captured.count({input_ids_[i], 0});
          }
          if (!options_.retry_failed && finished_badly.count(store_->run_status(job->run_id)))
            continue;
          Segment s{job.get(), rep, {}, {}};
          for (size_t i = 0; i < input_ids_.size(); ++i)
            if (!job->recorded.count({input_ids_[i], rep})) s.items.push_back(i);
          // Intermediates come from repetition 0 only: values, not timings.
          if (rep == 0 && captures)
            for (size_t i : capture_positions_)
              if (!job->captured.count({input_ids_[i], 0})) s.captures.push_back(i);
          if (s.items.empty() && s.captures.empty()) continue;
          ++job->segments_left;
          segments_.push_back(std::move(s));
        }
    for (const auto& job : jobs_)
      if (job->segments_left == 0 && store_->run_status(job->run_id) == RunStatus::kPending)
        store_->set_run_status(job->run_id, RunStatus::kDone, "", "");
  }

  int worker_count() const {
    int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    int jobs = options_.jobs > 0 ? options_.jobs : config_.jobs > 0 ? config_.jobs : cores;
    return std::max(1, std::min<int>(jobs, static_cast<int>(segments_.size())));
  }

  void execute() {
    int64_t to_do = 0;
    for (const Segment& s : segments_) to_do += static_cast<int64_t>(s.items.size());
    Progress progress(to_do, options_.quiet);
    for (const std::string& line : unreadable_) progress.note("unreadable, not run: " + line);
    for (const std::string& line : notes_) progress.note(line);
    if (segments_.empty()) {
      report(progress, true);
      return;
    }
    const int workers = worker_count();
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads_per_worker_ = std::max(1, cores / workers);
    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(workers));
    std::atomic<int> running{workers};
    for (int t = 0; t < workers; ++t)
      threads.emplace_back([&, t] {
        work(t, progress);
        --running;
        queue_.push(StatusUpdate{0, RunStatus::kPending, "", ""});  // wakes the writer
      });
    std::vector<PredictionRecord> batch;
    auto last_flush = Clock::now();
    for (;;) {
      const bool done = running == 0;
      for (Result& r : queue_.take(std::chrono::milliseconds(200))) {
        if (auto* p = std::get_if<PredictionRecord>(&r)) {
          if (p->outcome != "ok") ++summary_.input_failures;
          batch.push_back(std::move(*p));
        } else if (auto* c = std::get_if<CaptureRecord>(&r)) {
          record_capture(std::move(*c));
        } else {
          flush(batch, progress);  // a run's status follows its predictions
          const auto& u = std::get<StatusUpdate>(r);
          if (u.run_id == 0) continue;
          if (u.status == RunStatus::kPending)
            store_->mark_started(u.run_id);
          else
            store_->set_run_status(u.run_id, u.status, u.message, u.description);
        }
      }
      if (batch.size() >= 1000 || Clock::now() - last_flush > std::chrono::milliseconds(250)) {
        flush(batch, progress);
        last_flush = Clock::now();
      }
      progress.tick();
      report(progress, false);
      if (done) break;
    }
    for (std::thread& t : threads) t.join();
    for (Result& r : queue_.take(std::chrono::milliseconds(0))) {
      if (auto* p = std::get_if<PredictionRecord>(&r)) batch.push_back(std::move(*p));
      if (auto* c = std::get_if<CaptureRecord>(&r)) record_capture(std::move(*c));
    }
    flush(batch, progress);
    progress.finish();
    report(progress, true);
  }

  // Tells the caller where the campaign stands; when it answers false, no segment starts any more
  // and the running ones end at their next inference.
  void report(Progress& progress, bool final) {
    if (!options_.on_progress || summary_.stopped) return;
    const auto now = Clock::now();
    if (!final && now - last_report_ < std::chrono::milliseconds(200)) return;
    last_report_ = now;
    if (!options_.on_progress(progress.state())) {
      summary_.stopped = true;
      stopping_ = true;
    }
  }

  // A capture holds every value of a model for one input: written at once, one transaction each.
  void record_capture(CaptureRecord capture) {
    const bool failed = capture.outcome != "ok";
    const int64_t added = store_->insert_captures({std::move(capture)});
    summary_.captures_recorded += added;
    summary_.capture_failures += failed ? added : 0;
  }

  void flush(std::vector<PredictionRecord>& batch, Progress& progress) {
    if (batch.empty()) return;
    store_->insert_predictions(batch);
    summary_.recorded += static_cast<int64_t>(batch.size());
    int64_t failures = 0;
    for (const PredictionRecord& p : batch) failures += p.outcome != "ok";
    progress.advance(static_cast<int64_t>(batch.size()), failures);
    batch.clear();
  }

  void work(int, Progress& progress) {
    std::unique_ptr<worker::EnvSession> session;
    std::string session_env;
    size_t session_model = SIZE_MAX;
    CaptureSession capture;
    worker::SessionOptions session_options;
    session_options.threads = threads_per_worker_;
    session_options.timeouts = config_.timeouts;
    for (;;) {
      if (stopping_) return;
      const size_t index = next_segment_++;
      if (index >= segments_.size()) return;
      Segment& segment = segments_[index];
      Job& job = *segment.job;
      const backends::EnvSpec& env = config_.environments[job.env];
      const PreparedModel& model = models_[job.model];
      const Variant& variant = variants_[job.variant];
      progress.current(fmt::format("{} {}", model.model.card.name, env.canonical()));
      const auto started = Clock::now();
      if (segment.repetition == 0)
        queue_.push(StatusUpdate{job.run_id, RunStatus::kPending, "", ""});
      if (!variant.build_error.empty()) abandon(job, RunStatus::kRefused, variant.build_error);
      if (!job.abandoned) {
        try {
          // Each variant is loaded anew: a mutant never runs on the module of the one before.
          // A loop mutant is its environment compiled with the mutation, in a worker of its own
          // under a memory limit: mutated loops may read and write anywhere.
          const backends::EnvSpec run_env =
              variant.loop_mutation.empty()
                  ? env
                  : mutate::loop::with_mutation(env, variant.loop_mutation);
          if (!session || session_env != run_env.canonical()) {
            session.reset();
            session_model = SIZE_MAX;
            auto via = config_.via.find(env.canonical());
            session_options.via = via == config_.via.end() ? "" : via->second;
            session_options.timeouts.memory_mb =
                variant.loop_mutation.empty() ? 0 : config_.loop_mutant_memory_mb;
            session =
                std::make_unique<worker::EnvSession>(*variant.graph, run_env, session_options);
            session_env = run_env.canonical();
          } else if (session_model != job.variant) {
            session->load(*variant.graph);
          }
          session_model = job.variant;
          run_segment(segment, *session, model, *variant.inputs);
        } catch (const worker::WorkerFailure& e) {
          session.reset();
          abandon(job, status_for(e.outcome), e.what());
        } catch (const UserError& e) {
          session.reset();
          abandon(job, RunStatus::kRefused, e.what());
        }
      }
      // After the timed inferences, in a worker of its own: exposing values as outputs changes
      // what a framework can fuse, so the run's predictions and timings never see it.
      if (segment.captures.empty() || job.abandoned || stopping_)
        capture = {};
      else
        capture_segment(segment, capture, session_options);
      {
        std::lock_guard lock(seconds_mutex_);
        summary_.seconds_per_environment[env.canonical()] +=
            std::chrono::duration<double>(Clock::now() - started).count();
      }
      // A stopped segment may have left inputs out: the run stays pending.
      if (--job.segments_left == 0 && !job.abandoned && !stopping_)
        queue_.push(
            StatusUpdate{job.run_id, RunStatus::kDone, "", session ? session->description() : ""});
    }
  }

  // The worker that captures intermediates for one (model, environment), and what it keeps.
  struct CaptureSession {
    std::unique_ptr<worker::EnvSession> session;
    std::string env;
    size_t model = SIZE_MAX;
    CaptureValues values;
  };

  void capture_segment(const Segment& segment, CaptureSession& capture,
                       worker::SessionOptions options) {
    const Job& job = *segment.job;
    const backends::EnvSpec& env = config_.environments[job.env];
    const PreparedModel& model = models_[job.model];
    auto push_for_all = [&](size_t from, const std::string& outcome, const std::string& message) {
      for (size_t k = from; k < segment.captures.size(); ++k) {
        CaptureRecord c;
        c.outcome = outcome;
        c.message = message;
        push_capture(job, segment.captures[k], std::move(c));
      }
    };
    try {
      if (!capture.session || capture.env != env.canonical() || capture.model != job.model) {
        CaptureValues values = capture_values(model.model.model, env, model.intermediate_names);
        if (values.wanted.empty()) {
          // Nothing to expose (the transforms renamed every value asked for): no worker needed.
          capture = {};
          for (size_t i : segment.captures) push_capture(job, i, capture_record(values, {}));
          return;
        }
        options.keep_intermediates = true;
        options.intermediate_names = values.expose;
        auto via = config_.via.find(env.canonical());
        options.via = via == config_.via.end() ? "" : via->second;
        if (capture.session && capture.env == env.canonical() &&
            capture.values.expose == values.expose) {
          capture.session->load(model.model.model);
        } else {
          capture.session.reset();
          capture.session = std::make_unique<worker::EnvSession>(model.model.model, env, options);
        }
        capture.env = env.canonical();
        capture.model = job.model;
        capture.values = std::move(values);
      }
    } catch (const worker::WorkerFailure& e) {
      capture = {};
      push_for_all(0, std::string(worker::outcome_name(e.outcome)), e.what());
      return;
    } catch (const UserError& e) {
      capture = {};
      push_for_all(0, "refused", e.what());
      return;
    }
    int deaths = 0;
    for (size_t k = 0; k < segment.captures.size(); ++k) {
      const size_t i = segment.captures[k];
      const TensorMap& inputs = (*model.inputs)[i];
      try {
        worker::InferResult result = capture.session->intermediates(inputs);
        push_capture(job, i, capture_record(capture.values, std::move(result.outputs)));
        deaths = 0;
      } catch (const worker::WorkerFailure& e) {
        CaptureRecord c;
        c.outcome = std::string(worker::outcome_name(e.outcome));
        c.message = e.what();
        push_capture(job, i, std::move(c));
        if (e.outcome == worker::Outcome::kFailed) continue;  // the worker is still up
        if (++deaths >= kDeathsBeforeStuck) {
          push_for_all(k + 1, "skipped",
                       fmt::format("not tried after {} worker failures in a row; the last: {}",
                                   deaths, e.what()));
          return;
        }
      }
    }
  }

  void push_capture(const Job& job, size_t item, CaptureRecord capture) {
    capture.run_id = job.run_id;
    capture.input_id = input_ids_[item];
    capture.repetition = 0;
    queue_.push(std::move(capture));
  }

  void abandon(Job& job, RunStatus status, const std::string& message) {
    if (job.abandoned.exchange(true)) return;
    queue_.push(StatusUpdate{job.run_id, status, message, ""});
  }

  void run_segment(const Segment& segment, worker::EnvSession& session, const PreparedModel& model,
                   const std::vector<TensorMap>& inputs) {
    Job& job = *segment.job;
    int deaths = 0;
    const std::vector<size_t>& items = segment.items;
    session.infer_each(
        items.size(), [&](size_t k) { return inputs[items[k]]; },
        [&](size_t k, const worker::InferResult* result, const worker::WorkerFailure* failure) {
          if (job.abandoned || stopping_) return false;
          const size_t i = items[k];
          if (result) {
            queue_.push(prediction(job, input_ids_[i], segment.repetition, *result,
                                   model.model.card, config_.top_k, config_.keep_logits));
            deaths = 0;
            return true;
          }
          PredictionRecord p;
          p.run_id = job.run_id;
          p.input_id = input_ids_[i];
          p.repetition = segment.repetition;
          p.outcome = std::string(worker::outcome_name(failure->outcome));
          p.message = failure->what();
          queue_.push(std::move(p));
          if (failure->outcome == worker::Outcome::kFailed) return true;  // the worker is still up
          if (++deaths >= kDeathsBeforeStuck) {
            abandon(job, RunStatus::kStuck,
                    fmt::format("abandoned after {} worker failures in a row; the last: {}", deaths,
                                failure->what()));
            return false;
          }
          return true;
        });
  }

  const CampaignConfig& config_;
  const RunOptions& options_;
  CampaignSummary summary_;
  std::unique_ptr<Store> store_;
  std::vector<std::string> unreadable_;
  std::vector<PreparedModel> models_;
  std::vector<Variant> variants_;  // per model: the original, then its mutants
  std::vector<std::string> notes_;
  std::vector<int64_t> input_ids_;
  std::vector<size_t> capture_positions_;  // items whose intermediates the campaign keeps
  std::vector<std::unique_ptr<Job>> jobs_;
  std::vector<Segment> segments_;
  std::atomic<size_t> next_segment_{0};
  std::atomic<bool> stopping_{false};
  Clock::time_point last_report_;
  int threads_per_worker_ = 1;
  ResultQueue queue_;
  std::mutex seconds_mutex_;
};

}  // namespace

Shard Shard::parse(const std::string& text) {
  Shard s;
  size_t slash = text.find('/');
  auto number = [&](std::string_view part, int& out) {
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc() && end == part.data() + part.size();
  };
  if (slash == std::string::npos || !number(std::string_view(text).substr(0, slash), s.index) ||
      !number(std::string_view(text).substr(slash + 1), s.count) || s.count < 1 || s.index < 0 ||
      s.index >= s.count)
    fail("--shard '{}': expected i/N with 0 <= i < N", text);
  return s;
}

CampaignSummary run_campaign(const CampaignConfig& config, const RunOptions& options) {
  return Campaign(config, options).run();
}

}  // namespace nnd::campaign
