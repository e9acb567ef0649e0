#include "analysis/first_divergence_store.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace nnd::analysis {

namespace {

std::string dims_text(const Shape& shape) { return nlohmann::json(shape).dump(); }

Shape dims_of(const std::string& text) { return nlohmann::json::parse(text).get<Shape>(); }

}  // namespace

void write_first_divergences(campaign::Store& store, const std::vector<FirstDivergence>& rows) {
  if (rows.empty()) return;
  campaign::sql::Database& db = store.database();
  campaign::sql::Statement input(db, "SELECT id FROM inputs WHERE dataset_key = ?1");
  campaign::sql::Statement insert(db, R"(
    INSERT OR IGNORE INTO first_divergences(model_id, reference_env_id, candidate_env_id,
      input_id, outcome, message, position, node, op, value, max_abs, mean_abs, beyond, count,
      reference_shape, candidate_shape, compared, atol, rtol, skipped)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
      ?19, ?20))");
  campaign::sql::Transaction transaction(db);
  for (const FirstDivergence& d : rows) {
    std::optional<int64_t> input_id;
    if (!d.input.empty()) {
      input.bind(1, std::string_view(d.input));
      if (input.step()) input_id = input.column_int(0);
      input.reset();
    }
    insert.bind(1, d.model_id)
        .bind(2, store.environment_id(d.reference_env))
        .bind(3, store.environment_id(d.candidate_env))
        .bind(4, input_id)
        .bind(5, std::string_view(d.outcome))
        .bind(6, std::string_view(d.message))
        .bind(17, static_cast<int64_t>(d.compared))
        .bind(18, d.tolerance.atol)
        .bind(19, d.tolerance.rtol)
        .bind(20, static_cast<int64_t>(d.skipped));
    for (int column = 7; column <= 16; ++column) insert.bind_null(column);
    if (const std::optional<ValueError>& v = d.first) {
      insert.bind(7, static_cast<int64_t>(v->position))
          .bind(8, std::string_view(v->node))
          .bind(9, std::string_view(v->op))
          .bind(10, std::string_view(v->value))
          .bind(11, v->stats.max_abs)
          .bind(12, v->stats.mean_abs)
          .bind(13, static_cast<int64_t>(v->stats.beyond))
          .bind(14, static_cast<int64_t>(v->stats.count));
      if (v->shapes) {
        const std::string a = dims_text(v->shapes->reference), b = dims_text(v->shapes->candidate);
        insert.bind(15, std::string_view(a)).bind(16, std::string_view(b));
      }
    }
    insert.run();
    insert.reset();
  }
  transaction.commit();
}

std::vector<FirstDivergence> read_first_divergences(campaign::Store& store) {
  campaign::sql::Statement select(store.database(), R"(
    SELECT f.model_id, m.name, r.spec, c.spec, coalesce(i.dataset_key, ''), f.outcome, f.message,
      f.position, f.node, f.op, f.value, f.max_abs, f.mean_abs, f.beyond, f.count,
      f.reference_shape, f.candidate_shape, f.compared, f.atol, f.rtol, f.skipped
    FROM first_divergences f
    JOIN models m ON m.id = f.model_id
    JOIN environments r ON r.id = f.reference_env_id
    JOIN environments c ON c.id = f.candidate_env_id
    LEFT JOIN inputs i ON i.id = f.input_id
    ORDER BY m.name, r.spec, c.spec)");
  campaign::sql::ResetOnExit reset(select);
  std::vector<FirstDivergence> rows;
  while (select.step()) {
    FirstDivergence& d = rows.emplace_back();
    d.model_id = select.column_int(0);
    d.model = select.column_text(1);
    d.reference_env = select.column_text(2);
    d.candidate_env = select.column_text(3);
    d.input = select.column_text(4);
    d.outcome = select.column_text(5);
    d.message = select.column_text(6);
    d.compared = static_cast<size_t>(select.column_int(17));
    d.tolerance = {select.column_double(18), select.column_double(19)};
    d.skipped = static_cast<size_t>(select.column_int(20));
    if (select.is_null(7)) continue;
    ValueError v;
    v.position = static_cast<size_t>(select.column_int(7));
    v.node = select.column_text(8);
    v.op = select.column_text(9);
    v.value = select.column_text(10);
    v.method = "exposure";
    v.stats.max_abs = select.column_double(11);
    v.stats.mean_abs = select.column_double(12);
    v.stats.beyond = static_cast<size_t>(select.column_int(13));
    v.stats.count = static_cast<size_t>(select.column_int(14));
    if (!select.is_null(15))
      v.shapes =
          ShapeMismatch{dims_of(select.column_text(15)), dims_of(select.column_text(16)), d.input};
    d.first = std::move(v);
  }
  return rows;
}

}  // namespace nnd::analysis
