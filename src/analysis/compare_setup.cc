#include "analysis/compare_setup.h"

#include <fmt/format.h>

#include <algorithm>

#include "backends/transforms.h"
#include "core/error.h"
#include "data/feeds.h"
#include "onnx/model_io.h"

namespace nnd::analysis {

PreparedPair prepare_pair(const PairRequest& request) {
  if (request.envs.empty() || request.envs.size() > 2 ||
      (request.envs.size() == 1 && request.model_b.empty()))
    fail("give two environments (--env A --env B), or one with --model-b; got {}",
         request.envs.size());
  std::vector<backends::EnvSpec> envs;
  for (const std::string& text : request.envs) {
    envs.push_back(backends::EnvSpec::parse(text));
    backends::check_transforms(envs.back());
  }
  if (envs.size() == 1) envs.push_back(envs.front());

  PreparedPair pair;
  pair.model = data::load_model_with_card(request.model, request.card);
  const data::ModelCard& card = pair.model.card;
  Model candidate_model = pair.model.model;
  if (!request.model_b.empty()) {
    candidate_model = onnx_io::load_model(request.model_b);
    if (!card.from_model) data::check_card_matches_model(card, candidate_model, request.model_b);
    for (const ValueInfo& out : pair.model.model.graph.outputs)
      if (std::none_of(candidate_model.graph.outputs.begin(), candidate_model.graph.outputs.end(),
                       [&](const ValueInfo& v) { return v.name == out.name; }))
        fail("{}: has no output '{}', which {} has (the outputs are compared by name)",
             request.model_b, out.name, request.model);
  }
  // The model's own input signature, needed only for prepared tensors (and checked whenever
  // --shape is given), so that a carded model whose inputs nndelta cannot describe still runs
  // on images.
  const data::ShapeOverrides shapes = data::parse_shapes(request.shapes);
  std::vector<data::InputSpec> inputs;
  if (!shapes.empty()) inputs = data::model_inputs(pair.model.model, shapes, request.model);
  if (request.keys.empty()) {
    if (request.dataset.empty() && card.from_model)
      fail(
          "{}: no model card, so no default dataset: give --dataset npy:FILE, npz:FILE, pb:DIR "
          "or random:N",
          request.model);
    data::DatasetSpec spec =
        request.dataset.empty() ? default_dataset(card) : data::DatasetSpec::parse(request.dataset);
    pair.dataset = spec.canonical();
    if (inputs.empty() && data::is_feed_spec(spec))
      inputs = data::model_inputs(pair.model.model, shapes, request.model);
    pair.cases = read_cases(spec, card, inputs);
  } else {
    pair.dataset = fmt::format("{} inputs named by the store", request.keys.size());
    pair.cases = read_cases(request.keys, pair.model.card);
  }
  if (pair.cases.empty()) fail("the dataset {} has no items to compare", pair.dataset);
  pair.reference = std::make_unique<CompareSide>(pair.model.model, envs[0], request.threads);
  pair.candidate = std::make_unique<CompareSide>(candidate_model, envs[1], request.threads);
  return pair;
}

}  // namespace nnd::analysis
