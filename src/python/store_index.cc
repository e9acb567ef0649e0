#include "python/store_index.h"

namespace nnd::python {

using campaign::sql::Statement;

int32_t TextCodes::code(std::string_view text) {
  auto [it, added] = codes_.try_emplace(std::string(text), static_cast<int32_t>(codes_.size()));
  if (added) categories_.push_back(it->first);
  return it->second;
}

RunIndex read_run_index(campaign::sql::Database& db) {
  RunIndex index;
  TextCodes models, environments;
  Statement row(db,
                "SELECT runs.id, models.name, environments.spec, runs.mutant_id FROM runs "
                "JOIN models ON models.id = runs.model_id "
                "JOIN environments ON environments.id = runs.env_id ORDER BY runs.id");
  while (row.step()) {
    index.row_of[row.column_int(0)] = index.mutant_id.size();
    index.model_code.push_back(models.code(row.column_text(1)));
    index.environment_code.push_back(environments.code(row.column_text(2)));
    index.mutant_id.push_back(row.column_int(3));
  }
  index.models = models.categories();
  index.environments = environments.categories();
  return index;
}

InputIndex read_input_index(campaign::sql::Database& db) {
  InputIndex index;
  Statement row(db, "SELECT id, dataset_key, label FROM inputs ORDER BY id");
  while (row.step()) {
    index.code[row.column_int(0)] = static_cast<int32_t>(index.keys.size());
    index.keys.push_back(row.column_text(1));
    const bool missing = row.is_null(2);
    index.label.push_back(missing ? 0 : row.column_int(2));
    index.label_missing.push_back(missing);
  }
  return index;
}

}  // namespace nnd::python
