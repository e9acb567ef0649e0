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
#include "analysis/first_divergence.h"
#include "analysis/statistics.h"
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
                           // present, else the model's first environment (also, with a note,
                           // for a model that has no run in the one named here)
};

struct EnvironmentAccuracy {
  std::string environment;
  int64_t labelled = 0, correct = 0;
  double accuracy = 0;  // correct / labelled, 0 when nothing is labelled
  Interval ci95;        // Wilson score interval
};

// Two environments of one model over the inputs both answered (repetition 0, outcome ok).
// The rank metrics (analysis/rank_metrics.h) use each side's first top_k ids.
struct PairAgreement {
  std::string a, b;
  int64_t compared = 0;
  int64_t top1_differs = 0;
  double top1_differs_pct = 0;
  double mean_kendall_tau = 1;  // tau-b of the two top-k lists (on their union), averaged
  double mean_rbo = 1;          // extrapolated RBO at rbo_p, averaged
  double mean_jaccard = 1;      // of the top-k sets, averaged
  // a against b (b the reference side) over the compared inputs where both kept logits.
  std::optional<ErrorStats> logits;
  // Where a and b first diverge inside the model, when the campaign looked (the store's
  // first_divergences, analysis/first_divergence.h); either may be its reference side.
  std::optional<FirstDivergence> first_divergent;
  // Why nothing was compared (compared == 0; the means are then left at 1 and mean nothing),
  // e.g. "no input answered ok by both (a: 200, b: 0)"; empty otherwise.
  std::string note;
};

// Only environments with at least one ok prediction have one.
struct LatencyDistribution {
  std::string environment;
  int64_t samples = 0;                            // every repetition of every ok input
  double median_ms = 0, p95_ms = 0, mean_ms = 0;  // quantiles interpolated (quantile_linear)
  Interval median_ci95;  // percentile bootstrap, options.bootstrap_resamples under options.seed
  std::vector<double> histogram_ms;  // up to 200 samples (evenly spaced ranks, ascending)
};

// How b's latency moves relative to a's.
struct LatencyChange {
  std::string a, b;
  double relative_change = 0;  // median_b / median_a - 1 (positive: b is slower)
  double mann_whitney_u = 0;   // U of b's samples against a's
  double p_value = 1;          // two-sided, normal approximation with tie and continuity
                               // corrections (analysis/statistics.h)
  bool significant = false;    // p_value < alpha
  // a and b differ only in the optimization level (options included), b's is higher, and b is
  // significantly slower (significant, and b's median above a's).
  bool higher_level_slower = false;
};

// The same environment giving different answers to the same input across repetitions. Every
// environment with at least one ok prediction has one (repetitions 1: nothing was repeated).
struct Nondeterminism {
  std::string environment;
  int repetitions = 0;          // most ok repetitions any input has
  int64_t inputs_repeated = 0;  // inputs with at least two ok repetitions
  int64_t top1_changed = 0;     // of those, inputs whose top-1 is not the same in every repetition
  // Largest |logit - the same logit in the input's first ok repetition| (inf for a NaN/Inf that
  // is not bit-identical), when some repeated input kept logits in two repetitions.
  std::optional<double> max_abs_logit_change;
};

// A run whose status is not done, or a done run with inputs that failed. Original runs first, in
// `environments` order, then mutant runs in store order.
struct RunFailure {
  std::string environment, mutant;  // mutant: "op@position", empty for the original model
  std::string status;               // crashed, hung, failed, refused, stuck, pending
  std::string message;
  // Distinct inputs with a prediction of that outcome (crashed, hung, ...), any repetition.
  std::map<std::string, int64_t> failed_inputs;
};

// Ordered by agreement, least first: the share of answering environments that give the most
// common top-1 (ascending), then more environments answering first, then input id.
struct DisagreeingImage {
  int64_t input_id = 0;
  std::string dataset_key, source;
  std::optional<int64_t> label;
  std::map<std::string, int32_t> top1;  // by environment, those that answered it ok (rep. 0)
};

// One mutant in one environment against the original model in the same environment.
struct MutantOutcome {
  std::string mutant;  // "op@position"
  std::string op, category, level;
  int64_t sites = 0;  // sites the mutant changed
  std::string environment;
  std::string status;  // the run's status
  // What the mutant did there, first that holds: "failed to build" (the mutated model does not
  // check, or the framework refused it), "crashed" (a worker died, with the signal, or the
  // framework failed at inference), "hung", "not compared" (no original run there, or no input
  // answered by both), "non-finite" (a NaN or infinite score), "stuck" (more than 90% of inputs
  // get one label while the original's do not), "killed" (some top-1 differs from the
  // original's), "survived".
  std::string outcome;
  std::string message;        // the run's or the first failed input's message
  int64_t compared = 0;       // inputs both answered ok at repetition 0
  int64_t label_changes = 0;  // inputs whose top-1 differs from the original's
  double label_change_pct = 0;
  int64_t non_finite = 0;                // inputs (ok, repetition 0) with a NaN or infinite score
  double top_label_pct = 0;              // share of inputs given the most common top-1 label
  std::optional<double> latency_change;  // median latency / the original's - 1
  bool killed = false;                   // detected: any outcome but survived and not compared
  std::string note;  // why nothing was compared (e.g. no original run there); else empty
};

// Per environment: mutants detected (any outcome but survived) of those decided.
struct MutationScore {
  std::string environment;
  int64_t decided = 0, detected = 0, killed = 0, survived = 0;
  double score_pct = 0;  // detected / decided
};

// The research's table: per category and environment, mutants detected of those decided and the
// mean % of inputs whose label changed.
struct CategoryScore {
  std::string category, environment;
  int64_t mutants = 0, detected = 0;
  double mean_label_change_pct = 0;
};

// Two environments that run the same mutant: inputs both answered (and both answered for the
// original), and of those the inputs on which the mutant's top-1 differs between them while the
// original's agrees.
struct MutantDiscrepancy {
  std::string mutant, a, b;
  int64_t compared = 0, discrepancies = 0;
  double discrepancy_pct = 0;
};

// A would-be mutant: it changed no site, so it was never run or scored.
struct WouldBeMutant {
  std::string mutant, op, category, level;
  std::string reason;
};

struct ModelReport {
  std::string name, sha256;
  std::string baseline;  // environment the others are compared with (see ReportOptions)
  std::vector<std::string> environments;  // in the store's order (environment ids)
  std::vector<EnvironmentAccuracy> accuracy;
  std::vector<PairAgreement> pairs;  // every unordered pair, a before b in `environments` order
  std::vector<LatencyDistribution> latency;
  // Every pair of latency environments sharing framework, device and transforms: a has the
  // lower optimization level, or, at the same level, comes first in `environments`.
  std::vector<LatencyChange> latency_changes;
  std::vector<Nondeterminism> nondeterminism;
  std::vector<RunFailure> failures;
  // Inputs whose top-1 is not the same in every environment that answered them (at least two),
  // at most max_images of them; disagreeing_images_total counts them all.
  std::vector<DisagreeingImage> disagreeing_images;
  int64_t disagreeing_images_total = 0;
  std::vector<MutantOutcome> mutants;          // mutant runs in store order; empty without mutants
  std::vector<MutationScore> mutation_scores;  // environments in `environments` order
  std::vector<CategoryScore> category_scores;  // categories in catalogue order
  std::vector<MutantDiscrepancy> mutant_discrepancies;  // per mutant, pairs in environment order
  std::vector<WouldBeMutant> would_be_mutants;          // in store order
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
// failed, gives a report with notes rather than an error. Options out of range (top_k < 1, rbo_p
// or alpha outside (0, 1), bootstrap_resamples < 1) are a UserError.
// Models in store order; each model's environments are those of its original runs (mutant 0).
ReportData build_report(campaign::Store& store, const ReportOptions& options);

}  // namespace nnd::analysis
