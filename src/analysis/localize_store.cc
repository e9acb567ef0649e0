#include "analysis/localize_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "backends/env_spec.h"
#include "core/error.h"
#include "core/sha256.h"

namespace nnd::analysis {

namespace {

namespace fs = std::filesystem;

// The model file as recorded, or relative to the store's folder when the campaign ran elsewhere.
std::string resolve_model_path(campaign::Store& store, int64_t model_id, const std::string& name,
                               const std::string& sha256) {
  campaign::sql::Statement select(store.database(), "SELECT path FROM models WHERE id = ?1");
  select.bind(1, model_id);
  if (!select.step()) fail("{}: model {} has no row in models", store.path(), model_id);
  const std::string recorded = select.column_text(0);
  std::error_code ec;
  std::string path = recorded;
  if (!fs::exists(path, ec)) {
    path = (fs::path(store.path()).parent_path() / recorded).string();
    if (!fs::exists(path, ec))
      fail("{}: model '{}' was run from {}, which is gone", store.path(), name, recorded);
  }
  if (sha256_file(path) != sha256)
    fail("{}: model '{}' at {} is not the file the store measured (SHA-256 differs)", store.path(),
         name, path);
  return path;
}

bool is_reference_framework(const std::string& env) {
  return backends::EnvSpec::parse(env).framework == "ref";
}

}  // namespace

std::vector<StorePair> divergent_pairs(campaign::Store& store, const std::string& model,
                                       size_t max_inputs) {
  std::vector<campaign::RunRow> runs = store.runs();
  std::set<std::string> names;
  for (const campaign::RunRow& r : runs) names.insert(r.model_name);
  if (!model.empty() && !names.count(model))
    fail("{}: no model named '{}' (the store has: {})", store.path(), model,
         fmt::join(names, ", "));
  std::erase_if(runs, [&](const campaign::RunRow& r) {
    return r.mutant_id != 0 || (!model.empty() && r.model_name != model);
  });
  std::sort(runs.begin(), runs.end(), [](const campaign::RunRow& a, const campaign::RunRow& b) {
    return std::tie(a.model_name, a.model_id, a.environment) <
           std::tie(b.model_name, b.model_id, b.environment);
  });

  campaign::sql::Statement differing(store.database(), R"(
    SELECT i.dataset_key FROM predictions a
    JOIN predictions b ON b.input_id = a.input_id AND b.run_id = ?2 AND b.repetition = 0
    JOIN inputs i ON i.id = a.input_id
    WHERE a.run_id = ?1 AND a.repetition = 0 AND a.outcome = 'ok' AND b.outcome = 'ok'
      AND a.top1 IS NOT b.top1
    ORDER BY a.input_id)");
  std::vector<StorePair> pairs;
  std::map<int64_t, std::string> paths;  // by model id, resolved once
  for (size_t i = 0; i < runs.size(); ++i)
    for (size_t j = i + 1; j < runs.size() && runs[j].model_id == runs[i].model_id; ++j) {
      const campaign::RunRow* reference = &runs[i];
      const campaign::RunRow* candidate = &runs[j];
      if (!is_reference_framework(reference->environment) &&
          is_reference_framework(candidate->environment))
        std::swap(reference, candidate);
      StorePair pair;
      differing.bind(1, reference->id).bind(2, candidate->id);
      while (differing.step())
        if (++pair.flips <= max_inputs) pair.keys.push_back(differing.column_text(0));
      differing.reset();
      if (pair.flips == 0) continue;
      if (!paths.count(reference->model_id))
        paths[reference->model_id] = resolve_model_path(
            store, reference->model_id, reference->model_name, reference->model_sha256);
      pair.model_name = reference->model_name;
      pair.model_path = paths[reference->model_id];
      pair.reference_env = reference->environment;
      pair.candidate_env = candidate->environment;
      pairs.push_back(std::move(pair));
    }
  return pairs;
}

}  // namespace nnd::analysis
