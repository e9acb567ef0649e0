// nndelta.compare() and nndelta.localize(): `nndelta compare/localize --format json`, as the dicts
// of that JSON. Both sides run in worker processes, so a framework that crashes or hangs is a
// failed side in the result, never a crash of Python. The GIL is released while they run.
#include <pybind11/stl.h>

#include <optional>

#include "analysis/compare_json.h"
#include "analysis/compare_setup.h"
#include "analysis/localize_store.h"
#include "campaign/store.h"
#include "core/error.h"
#include "python/bindings.h"
#include "python/json_object.h"

namespace nnd::python {

namespace {

using OptionalText = std::optional<std::string>;

struct PairArgs {
  OptionalText model, env_a, env_b, model_b, dataset, card;
  double atol = 0, rtol = 0;
  int threads = 1;

  analysis::PairRequest request() const {
    if (!env_a) fail("give env_a, the reference environment (e.g. \"ref@cpu:O2\")");
    if (!env_b && !model_b)
      fail("give env_b, the candidate environment, or model_b to compare two models");
    analysis::PairRequest r;
    r.model = *model;
    r.model_b = model_b.value_or("");
    r.card = card.value_or("");
    r.envs = {*env_a};
    if (env_b) r.envs.push_back(*env_b);
    r.dataset = dataset.value_or("");
    r.threads = threads;
    return r;
  }

  analysis::Tolerance tolerance() const {
    if (atol < 0 || rtol < 0) fail("atol and rtol must be >= 0 (got {:g} and {:g})", atol, rtol);
    if (threads < 1) fail("threads must be at least 1 (got {})", threads);
    return {atol, rtol};
  }
};

py::object compare(const PairArgs& args) {
  const analysis::Tolerance tolerance = args.tolerance();
  if (!args.model) fail("give model, the ONNX file to compare");
  nlohmann::json json;
  {
    py::gil_scoped_release release;
    analysis::PreparedPair pair = analysis::prepare_pair(args.request());
    json = analysis::to_json(analysis::compare_sides(*pair.reference, *pair.candidate, pair.cases,
                                                     pair.model.card, tolerance));
  }
  return to_python(json);
}

// As `nndelta localize`: one pair, or every pair of a store whose top-1 answers differ.
nlohmann::json localize_json(const PairArgs& args, const OptionalText& store, size_t inputs,
                             const std::string& method) {
  analysis::LocalizeOptions options;
  options.tolerance = args.tolerance();
  if (inputs == 0) fail("inputs must be at least 1");
  options.max_inputs = inputs;
  options.method = analysis::parse_method(method);
  auto localize_one = [&](const analysis::PairRequest& request) {
    analysis::PreparedPair pair = analysis::prepare_pair(request);
    return analysis::to_json(
        analysis::localize(*pair.reference, *pair.candidate, pair.cases, pair.model.card, options));
  };
  if (!store) {
    if (!args.model) fail("give model (or store)");
    return localize_one(args.request());
  }
  if (args.env_a || args.env_b || args.model_b || args.dataset)
    fail(
        "store takes the environments, models and inputs from the store: drop env_a, env_b, "
        "model_b and dataset");
  std::unique_ptr<campaign::Store> opened = campaign::Store::open_read_only(*store);
  nlohmann::json json = {{"store", *store}, {"pairs", nlohmann::json::array()}};
  for (const analysis::StorePair& p :
       analysis::divergent_pairs(*opened, args.model.value_or(""), inputs)) {
    analysis::PairRequest request;
    request.model = p.model_path;
    request.envs = {p.reference_env, p.candidate_env};
    request.keys = p.keys;
    request.threads = args.threads;
    json["pairs"].push_back(localize_one(request));
  }
  return json;
}

}  // namespace

void bind_analysis(py::module_& m) {
  const analysis::Tolerance defaults;
  m.def(
      "compare",
      [](OptionalText model, OptionalText env_a, OptionalText env_b, OptionalText model_b,
         OptionalText dataset, OptionalText card, double atol, double rtol, int threads) {
        return compare({std::move(model), std::move(env_a), std::move(env_b), std::move(model_b),
                        std::move(dataset), std::move(card), atol, rtol, threads});
      },
      py::arg("model"), py::arg("env_a"), py::arg("env_b") = py::none(), py::kw_only(),
      py::arg("model_b") = py::none(), py::arg("dataset") = py::none(),
      py::arg("card") = py::none(), py::arg("atol") = defaults.atol,
      py::arg("rtol") = defaults.rtol, py::arg("threads") = 1,
      R"(Compares a model in two environments (env_a the reference, env_b the candidate), or two
models (model_b) in env_a: `nndelta compare --format json` as a dict (docs/compare-localize.md):
each side's status, top-1 flips, error statistics of the class scores under atol/rtol, and a
per-input list. dataset: a spec such as "fashion-mnist:test,limit=10" (default: the first 100
Fashion-MNIST test images for a Fashion-MNIST card). Bad input raises nndelta.Error; a side that
refuses, fails, crashes or hangs is reported in the dict.)");
  m.def(
      "localize",
      [](OptionalText model, OptionalText env_a, OptionalText env_b, OptionalText model_b,
         OptionalText dataset, OptionalText card, double atol, double rtol, size_t inputs,
         const std::string& method, int threads, const OptionalText& store) {
        PairArgs args{std::move(model),
                      std::move(env_a),
                      std::move(env_b),
                      std::move(model_b),
                      std::move(dataset),
                      std::move(card),
                      atol,
                      rtol,
                      threads};
        nlohmann::json json;
        {
          py::gil_scoped_release release;
          json = localize_json(args, store, inputs, method);
        }
        return to_python(json);
      },
      py::arg("model") = py::none(), py::arg("env_a") = py::none(), py::arg("env_b") = py::none(),
      py::kw_only(), py::arg("model_b") = py::none(), py::arg("dataset") = py::none(),
      py::arg("card") = py::none(), py::arg("atol") = defaults.atol,
      py::arg("rtol") = defaults.rtol, py::arg("inputs") = 4, py::arg("method") = "auto",
      py::arg("threads") = 1, py::arg("store") = py::none(),
      R"(Finds the first node where two environments (or two models) diverge: `nndelta localize
--format json` as a dict (docs/compare-localize.md): the comparison, the method used, the per-node
error curve, the first divergent value and its neighbours. method: "auto", "exposure" or
"bisection"; inputs: how many divergent inputs to look inside. With store=PATH (and optionally
model=NAME), every pair of environments whose top-1 answers differ in the store:
{"store": PATH, "pairs": [...]}.)");
}

}  // namespace nnd::python
