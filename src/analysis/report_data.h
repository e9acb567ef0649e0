#pragma once
// Everything `nndelta report` shows, computed from a store and nothing else (reports are pure
// functions of the store): per model, accuracy per environment, pairwise label / rank / numeric
// agreement, timing distributions and their changes, run-to-run nondeterminism, failed runs, the
// images that disagree, and (when mutants exist) the mutation kill matrix. The renderers in
// src/report turn one ReportData into HTML, Markdown, JSON or CSV without computing anything.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/error_stats.h"
#include "campaign/store.h"

namespace nnd::analysis {

struct ReportOptions {
  double rbo_p = 0.9;  // persistence of rank-biased overlap
  int top_k = 5;       // list length for Kendall tau, RBO and Jaccard
  uint64_t seed = 1;   // of the bootstrap
  int bootstrap_resamples = 2000;
  double alpha = 0.05;     // significance level of the Mann-Whitney U test
  Tolerance tolerance;     // for the logits comparison
  size_t max_images = 48;  // disagreeing images listed per model
  std::string baseline;    // environment every other is compared with; empty: ref@cpu:O2 if
                           // present, else the model's first environment
};

struct Interval {
  double low = 0, high = 0;
};

struct EnvironmentAccuracy {
  std::string environment;
  int64_t labelled = 0, correct = 0;
  double accuracy = 0;  // correct / labelled, 0 when nothing is labelled
  Interval ci95;        // Wilson score interval
};

// Two environments of one model over the inputs both answered (repetition 0, outcome ok).
struct PairAgreement {
  std::string a, b;
  int64_t compared = 0;
  int64_t top1_differs = 0;
  double top1_differs_pct = 0;
  double mean_kendall_tau = 1;       // tau-b of the two top-k lists (on their union), averaged
  double mean_rbo = 1;               // extrapolated RBO at rbo_p, averaged
  double mean_jaccard = 1;           // of the top-k sets, averaged
  std::optional<ErrorStats> logits;  // when both runs kept logits (a against b)
};

struct LatencyDistribution {
  std::string environment;
  int64_t samples = 0;  // every repetition of every ok input
  double median_ms = 0, p95_ms = 0, mean_ms = 0;
  Interval median_ci95;              // percentile bootstrap
  std::vector<double> histogram_ms;  // up to 200 samples (evenly spaced ranks) for plots
};

// How b's latency moves relative to a's.
struct LatencyChange {
  std::string a, b;
  double relative_change = 0;  // median_b / median_a - 1 (positive: b is slower)
  double mann_whitney_u = 0;   // U of b's samples against a's
  double p_value = 1;          // two-sided, normal approximation with tie correction
  bool significant = false;    // p_value < alpha
  // a and b differ only in the optimization level, b's is higher, and b is significantly slower.
  bool higher_level_slower = false;
};

// The same environment giving different answers to the same input across repetitions.
struct Nondeterminism {
  std::string environment;
  int repetitions = 0;          // most repetitions any input has
  int64_t inputs_repeated = 0;  // inputs with at least two ok repetitions
  int64_t top1_changed = 0;     // of those, inputs whose top-1 is not the same in every repetition
  std::optional<double> max_abs_logit_change;  // when logits were kept
};

struct RunFailure {
  std::string environment, mutant;  // mutant: "op@position", empty for the original model
  std::string status;               // crashed, hung, failed, refused, stuck, pending
  std::string message;
  std::map<std::string, int64_t> failed_inputs;  // by outcome (crashed, hung, ...), if any
};

struct DisagreeingImage {
  int64_t input_id = 0;
  std::string dataset_key, source;
  std::optional<int64_t> label;
  std::map<std::string, int32_t> top1;  // by environment
};

// One mutant in one environment against the original model in the same environment.
struct MutantOutcome {
  std::string mutant;  // "op@position"
  std::string op, category;
  std::string environment;
  std::string status;  // the run's status
  int64_t compared = 0;
  int64_t label_changes = 0;  // inputs whose top-1 differs from the original's
  double label_change_pct = 0;
  bool killed = false;  // any label change, or the run did not finish as done
};

struct ModelReport {
  std::string name, sha256;
  std::string baseline;                   // environment the others are compared with
  std::vector<std::string> environments;  // in the store's order
  std::vector<EnvironmentAccuracy> accuracy;
  std::vector<PairAgreement> pairs;  // every unordered pair, a before b in `environments` order
  std::vector<LatencyDistribution> latency;
  std::vector<LatencyChange> latency_changes;  // every ordered pair (a, b) sharing framework,
                                               // device and transforms, a before b
  std::vector<Nondeterminism> nondeterminism;
  std::vector<RunFailure> failures;
  std::vector<DisagreeingImage> disagreeing_images;  // top-1 not the same in every environment
  std::vector<MutantOutcome> mutants;                // empty without mutants
};

struct ReportData {
  std::string store_path;
  int schema_version = 0;
  std::string created_by, created_at;  // from the store's meta table
  ReportOptions options;
  std::vector<ModelReport> models;
  std::vector<std::string> notes;  // what could not be computed and why (e.g. an empty store)
};

// Computes the report; never writes to the store. An empty store, or a model whose runs all
// failed, gives a report with notes rather than an error.
ReportData build_report(campaign::Store& store, const ReportOptions& options);

}  // namespace nnd::analysis
