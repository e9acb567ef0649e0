#pragma once
// Where two sides start to disagree inside the model. Both sides run the inputs on which their
// outputs diverge, keeping every intermediate value (as extra graph outputs, worker/expose.h);
// values are matched by ONNX name and compared in the reference model's topological order; the
// first node whose output is beyond the tolerance is the verdict. Where a side cannot expose its
// values, prefix models cut at one value run on both sides instead, searched by bisection
// (analysis/bisect.h).
//
// An intermediate value is judged as the outputs are: element by element, candidate against
// reference, it diverges when any element of it on any of the localized inputs is outside
// |c - r| <= atol or |c - r| <= rtol * |r| (non-finite mismatches included).
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/compare.h"

namespace nnd::analysis {

enum class LocalizeMethod {
  kAuto,       // exposure, and bisection when a side cannot run its model with every value exposed
  kExposure,   // exposure only
  kBisection,  // prefix models only
};
// "auto", "exposure", "bisection"; parsing an unknown name is a UserError listing them.
std::string_view method_name(LocalizeMethod method);
LocalizeMethod parse_method(std::string_view name);

struct LocalizeOptions {
  Tolerances tolerance;   // a value named in it (an output) gets its own
  size_t max_inputs = 4;  // divergent inputs to look inside (flips first, then the largest errors)
  LocalizeMethod method = LocalizeMethod::kAuto;
};

// One value compared on both sides, over the localized inputs.
struct ValueError {
  size_t position = 0;  // of the node that produces it, in the reference model's order
  std::string node;     // the node's name ("#position" when it has none)
  std::string op;       // its op type in the reference model
  std::string value;    // the ONNX value name
  std::string method;   // "exposure" or "bisection"
  ErrorStats stats;     // candidate against reference (over the inputs where shapes agree)
  std::optional<ShapeMismatch> shapes;  // set when its shapes differ: a divergence in itself
  bool diverges() const { return shapes || !stats.passes(); }
};

// A value of the first divergent node's neighbourhood: what feeds it and what it feeds.
struct Neighbour {
  std::string relation;  // "input" (produced by a node it reads from) or "output" (of a consumer)
  ValueError error;
};

// A value of the reference model that was not compared, and why (fused away or renamed on one
// side, not exposed, a prefix model a framework refused).
struct SkippedValue {
  std::string node, value, reason;
};

// Where a side that loads the model fails while running it: bisection over prefix models (the
// model cut at one value) on the input that failed, down to the first node whose prefix fails.
struct FailureLocation {
  std::string env;      // the side that fails
  std::string input;    // the key of the input it fails on
  bool found = false;   // a prefix fails; false: every prefix runs, only the whole model fails
  size_t position = 0;  // of the failing node, in that side's model's topological order
  std::string node, op, value;
  std::string message;       // the framework's, on the first prefix that fails
  std::string last_ok_node;  // the last node whose prefix runs; empty when none was tried
  std::string last_ok_value;
  size_t probes = 0;  // prefix models run
};

struct LocalizeResult {
  CompareResult compare;            // both sides over the whole input set
  std::vector<std::string> inputs;  // keys of the inputs looked inside
  bool inputs_diverge = false;      // they diverge; otherwise they are the closest to diverging
  std::string method;               // "exposure" or "bisection"; empty when a side failed
  std::string fallback;             // why exposure was not used (auto), or why it failed
  size_t nodes = 0;                 // in the reference model
  std::vector<ValueError> curve;    // every value compared, in topological order
  std::optional<ValueError> first;  // the first divergent value
  std::vector<Neighbour> neighbours;
  std::vector<SkippedValue> skipped;
  size_t candidate_only = 0;  // values the candidate returned that the reference model lacks
  size_t probes = 0;          // prefix models run on each side (bisection)
  std::optional<FailureLocation> failure;  // where a side that loaded fails to run

  // The two sides diverge (a failure of either side counts, see CompareResult).
  bool diverges() const { return compare.diverges(); }
};

// The exposure comparison on values already captured: `reference_values[i]` and
// `candidate_values[i]` are what the two sides (`envs`: reference, candidate) returned with every
// value exposed on input `keys[i]`. Compares the values both returned, in `graph`'s (the
// reference model's) topological order, and fills result.method ("exposure"), curve, skipped,
// candidate_only, first and neighbours. A pure function: the campaign's first-divergence phase
// (analysis/first_divergence.h) and localize share it.
void compare_exposed(const Graph& graph, const std::vector<TensorMap>& reference_values,
                     const std::vector<TensorMap>& candidate_values,
                     const std::vector<std::string>& keys, const Tolerances& tolerance,
                     const std::array<std::string, 2>& envs, LocalizeResult& result);

// Compares the sides over `cases` (reference first: errors are relative to it), then looks
// inside on the divergent ones. The reference model's nodes must be in topological order (the
// importer sorts them).
LocalizeResult localize(CompareSide& reference, CompareSide& candidate,
                        const std::vector<InputCase>& cases, const data::ModelCard& card,
                        const LocalizeOptions& options);

}  // namespace nnd::analysis
