// nndelta.Store: a store opened read-only (an older schema is migrated in memory, never on disk),
// its tables as pandas data frames. The short tables (runs, inputs, mutants, captures) are read
// here; the long ones in store_predictions.cc and store_intermediates.cc.
#include "campaign/store.h"

#include <pybind11/stl.h>

#include <memory>

#include "backends/env_spec.h"
#include "core/error.h"
#include "python/bindings.h"
#include "python/frame.h"
#include "python/store_frames.h"
#include "python/store_index.h"

namespace nnd::python {

namespace {

using campaign::sql::Statement;

class PyStore {
 public:
  explicit PyStore(const std::string& path) {
    py::gil_scoped_release release;
    store_ = campaign::Store::open_read_only(path);
  }

  campaign::Store& store() {
    if (!store_) fail("the store is closed");
    return *store_;
  }
  std::string path() { return store().path(); }
  void close() { store_.reset(); }
  std::string describe() const {
    return store_ ? "nndelta.Store('" + store_->path() + "')" : "nndelta.Store(closed)";
  }

  py::object runs() {
    std::vector<std::string> model, path, sha, environment, framework, device, status, message,
        description, started, finished;
    std::vector<int64_t> id, mutant, level, predictions, ok;
    std::vector<uint8_t> level_missing, started_missing, finished_missing;
    Statement row(store().database(),
                  "SELECT runs.id, models.name, models.path, models.sha256, environments.spec, "
                  "runs.mutant_id, runs.status, runs.message, runs.session_description, "
                  "runs.started_at, runs.finished_at, "
                  "(SELECT count(*) FROM predictions WHERE run_id = runs.id), "
                  "(SELECT count(*) FROM predictions WHERE run_id = runs.id AND outcome = 'ok') "
                  "FROM runs JOIN models ON models.id = runs.model_id "
                  "JOIN environments ON environments.id = runs.env_id ORDER BY runs.id");
    while (row.step()) {
      id.push_back(row.column_int(0));
      model.push_back(row.column_text(1));
      path.push_back(row.column_text(2));
      sha.push_back(row.column_text(3));
      environment.push_back(row.column_text(4));
      // A spelling this build cannot parse (a store from another version) leaves the parts empty.
      backends::EnvSpec env;
      bool parsed = true;
      try {
        env = backends::EnvSpec::parse(environment.back());
      } catch (const UserError&) {
        parsed = false;
      }
      framework.push_back(parsed ? env.framework : "");
      device.push_back(parsed ? env.device : "");
      level.push_back(parsed ? env.opt : 0);
      level_missing.push_back(!parsed);
      mutant.push_back(row.column_int(5));
      status.push_back(row.column_text(6));
      message.push_back(row.column_text(7));
      description.push_back(row.column_text(8));
      started.push_back(row.column_text(9));
      finished.push_back(row.column_text(10));
      started_missing.push_back(row.is_null(9));
      finished_missing.push_back(row.is_null(10));
      predictions.push_back(row.column_int(11));
      ok.push_back(row.column_int(12));
    }
    return data_frame({{"run_id", to_numpy(std::move(id))},
                       {"model", strings(model)},
                       {"model_path", strings(path)},
                       {"model_sha256", strings(sha)},
                       {"environment", strings(environment)},
                       {"framework", strings(framework)},
                       {"device", strings(device)},
                       {"opt_level", nullable_int(std::move(level), std::move(level_missing))},
                       {"mutant_id", to_numpy(std::move(mutant))},
                       {"status", strings(status)},
                       {"message", strings(message)},
                       {"session_description", strings(description)},
                       {"started_at", timestamps(started, started_missing)},
                       {"finished_at", timestamps(finished, finished_missing)},
                       {"predictions", to_numpy(std::move(predictions))},
                       {"ok", to_numpy(std::move(ok))}});
  }

  py::object inputs() {
    std::vector<int64_t> id, label;
    std::vector<uint8_t> missing;
    std::vector<std::string> key, source;
    Statement row(store().database(),
                  "SELECT id, dataset_key, label, source FROM inputs ORDER BY id");
    while (row.step()) {
      id.push_back(row.column_int(0));
      key.push_back(row.column_text(1));
      missing.push_back(row.is_null(2));
      label.push_back(row.is_null(2) ? 0 : row.column_int(2));
      source.push_back(row.column_text(3));
    }
    return data_frame({{"input_id", to_numpy(std::move(id))},
                       {"dataset_key", strings(key)},
                       {"label", nullable_int(std::move(label), std::move(missing))},
                       {"source", strings(source)}});
  }

  py::object mutants() {
    std::vector<int64_t> id;
    std::vector<std::string> model, sha, op, category, position, diff;
    Statement row(store().database(),
                  "SELECT mutants.id, models.name, models.sha256, op, category, position, diff "
                  "FROM mutants JOIN models ON models.id = mutants.model_id ORDER BY mutants.id");
    while (row.step()) {
      id.push_back(row.column_int(0));
      model.push_back(row.column_text(1));
      sha.push_back(row.column_text(2));
      op.push_back(row.column_text(3));
      category.push_back(row.column_text(4));
      position.push_back(row.column_text(5));
      diff.push_back(row.column_text(6));
    }
    return data_frame({{"mutant_id", to_numpy(std::move(id))},
                       {"model", strings(model)},
                       {"model_sha256", strings(sha)},
                       {"op", strings(op)},
                       {"category", strings(category)},
                       {"position", strings(position)},
                       {"diff", strings(diff)}});
  }

  py::object captures() {
    const RunIndex runs = read_run_index(store().database());
    std::vector<int64_t> run_id, input_id, repetition;
    std::vector<std::string> model, environment, key, outcome, message;
    Statement row(store().database(),
                  "SELECT run_id, input_id, dataset_key, repetition, outcome, message "
                  "FROM intermediate_captures JOIN inputs ON inputs.id = input_id "
                  "ORDER BY run_id, input_id, repetition");
    while (row.step()) {
      run_id.push_back(row.column_int(0));
      const size_t run = runs.row_of.at(run_id.back());
      model.push_back(runs.models[static_cast<size_t>(runs.model_code[run])]);
      environment.push_back(runs.environments[static_cast<size_t>(runs.environment_code[run])]);
      input_id.push_back(row.column_int(1));
      key.push_back(row.column_text(2));
      repetition.push_back(row.column_int(3));
      outcome.push_back(row.column_text(4));
      message.push_back(row.column_text(5));
    }
    return data_frame({{"run_id", to_numpy(std::move(run_id))},
                       {"model", strings(model)},
                       {"environment", strings(environment)},
                       {"input_id", to_numpy(std::move(input_id))},
                       {"dataset_key", strings(key)},
                       {"repetition", to_numpy(std::move(repetition))},
                       {"outcome", strings(outcome)},
                       {"message", strings(message)}});
  }

 private:
  // ISO 8601 UTC texts as pandas timestamps (NaT where NULL).
  static py::object timestamps(const std::vector<std::string>& texts,
                               const std::vector<uint8_t>& missing) {
    py::list values(texts.size());
    for (size_t i = 0; i < texts.size(); ++i)
      values[i] = missing[i] ? py::object(py::none()) : py::object(py::str(texts[i]));
    return py::module_::import("pandas").attr("to_datetime")(values, py::arg("utc") = true);
  }

  std::unique_ptr<campaign::Store> store_;
};

}  // namespace

void bind_store(py::module_& m) {
  py::class_<PyStore>(m, "Store", R"(A store (the SQLite file a campaign writes), opened read-only.
Its tables come back as pandas DataFrames (docs/python.md lists the columns). A missing file, a
file that is not a store, or a store from a newer nndelta raises nndelta.Error.)")
      .def(py::init<const std::string&>(), py::arg("path"))
      .def_property_readonly("path", &PyStore::path)
      .def("runs", &PyStore::runs,
           "One row per run: model, environment (and its framework, device, opt_level), mutant, "
           "status, message, times, and how many predictions it has (ok: without failure).")
      .def("inputs", &PyStore::inputs, "One row per input: dataset_key, label, source.")
      .def(
          "predictions",
          [](PyStore& s, bool with_logits) { return predictions_frame(s.store(), with_logits); },
          py::arg("with_logits") = false,
          "Every prediction, with its run's model/environment/mutant and its input's key and "
          "label; top_ids, top_scores (and logits) are numpy views into one buffer per column.")
      .def("mutants", &PyStore::mutants, "One row per mutant: op, category, position, diff.")
      .def("captures", &PyStore::captures,
           "One row per intermediate capture ([keep] intermediates) and how it went.")
      .def(
          "intermediates",
          [](PyStore& s, std::optional<int64_t> run_id, std::optional<std::string> dataset_key,
             std::optional<std::vector<std::string>> names) {
            return intermediates_frame(s.store(),
                                       {run_id, std::move(dataset_key), std::move(names)});
          },
          py::arg("run_id") = py::none(), py::arg("dataset_key") = py::none(),
          py::arg("names") = py::none(),
          "Kept intermediate values (optionally of one run, one input, some value names), in "
          "graph order; `value` is a numpy array of the value's dtype and shape.")
      .def("close", &PyStore::close)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyStore& s, const py::args&) { s.close(); })
      .def("__repr__", [](PyStore& s) { return s.describe(); });
}

}  // namespace nnd::python
