// Store.intermediates(): kept intermediate values, each a numpy array of its dtype and shape. The
// values are decoded once from SQLite into one buffer, and every array is a view into it.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <nlohmann/json.hpp>

#include "campaign/blob.h"
#include "core/dtype.h"
#include "core/error.h"
#include "python/frame.h"
#include "python/store_frames.h"
#include "python/store_index.h"

namespace nnd::python {

namespace {

using campaign::sql::Statement;

constexpr size_t kAlignment = 64;  // of every value in the buffer, for vectorized numpy loops

std::optional<DType> dtype_from_name(std::string_view name) {
#define X(value, ctype, text, onnx) \
  if (name == (text)) return DType::value;
#include "core/dtypes.def"
#undef X
  return std::nullopt;
}

struct Columns {
  std::vector<int64_t> run_id, mutant_id, input_id, repetition, node_index;
  std::vector<int32_t> model, environment, dataset_key, name, node, op, dtype;
  std::vector<std::vector<int64_t>> shape;
  std::vector<size_t> offset;  // of each value in `data`
  std::vector<std::byte> data;
  std::vector<std::string> models, environments, keys, names, nodes, ops, dtypes;
};

std::string query(const IntermediateFilter& filter) {
  std::string sql =
      "SELECT run_id, input_id, repetition, name, node, op, node_index, dtype, dims, data "
      "FROM intermediates WHERE 1";
  if (filter.run_id) sql += " AND run_id = ?1";
  if (filter.dataset_key) sql += " AND input_id = (SELECT id FROM inputs WHERE dataset_key = ?2)";
  if (filter.names) {
    sql += " AND name IN (";
    for (size_t i = 0; i < filter.names->size(); ++i)
      sql += fmt::format("{}?{}", i ? "," : "", i + 3);
    sql += ")";
  }
  return sql + " ORDER BY run_id, input_id, repetition, node_index, name";
}

Columns read(campaign::Store& store, const IntermediateFilter& filter) {
  campaign::sql::Database& db = store.database();
  HoldConnection hold(db.handle());
  const RunIndex runs = read_run_index(db);
  const InputIndex inputs = read_input_index(db);
  Columns c;
  TextCodes names, nodes, ops, dtypes;
  // Two passes over the rows: sizes first, so that the buffer is allocated once.
  Statement row(db, query(filter));
  auto bind = [&] {
    if (filter.run_id) row.bind(1, *filter.run_id);
    if (filter.dataset_key) row.bind(2, std::string_view(*filter.dataset_key));
    if (filter.names)
      for (size_t i = 0; i < filter.names->size(); ++i)
        row.bind(static_cast<int>(i + 3), std::string_view((*filter.names)[i]));
  };
  size_t total = 0;
  bind();
  while (row.step())
    total += (row.column_blob(9).size() + kAlignment - 1) / kAlignment * kAlignment;
  row.reset();
  c.data.resize(total);
  bind();
  size_t at = 0;
  while (row.step()) {
    const int64_t run_id = row.column_int(0), input_id = row.column_int(1);
    const std::string name = row.column_text(3), dtype_text = row.column_text(7),
                      dims = row.column_text(8);
    const std::string what = fmt::format("{}: intermediate '{}' (run {}, input {}, repetition {})",
                                         store.path(), name, run_id, input_id, row.column_int(2));
    auto run = runs.row_of.find(run_id);
    auto input = inputs.code.find(input_id);
    if (run == runs.row_of.end() || input == inputs.code.end())
      fail("{} refers to a run or input the store lacks", what);
    std::optional<DType> dtype = dtype_from_name(dtype_text);
    if (!dtype) fail("{} has the unknown dtype '{}'", what, dtype_text);
    nlohmann::json json = nlohmann::json::parse(dims, nullptr, /*allow_exceptions=*/false);
    std::vector<int64_t> shape;
    size_t elements = 1;
    bool valid = json.is_array();
    for (const nlohmann::json& size : valid ? json : nlohmann::json::array()) {
      valid = valid && size.is_number_integer() && size.get<int64_t>() >= 0;
      if (!valid) break;
      shape.push_back(size.get<int64_t>());
      elements *= static_cast<size_t>(shape.back());
    }
    if (!valid) fail("{} has dims '{}', not an array of sizes such as [1,16,14,14]", what, dims);
    const std::string_view bytes = row.column_blob(9);
    const size_t width = dtype_size(*dtype);
    if (bytes.size() != elements * width || at + bytes.size() > c.data.size())
      fail("{} has {} bytes of data; {} {} needs {}", what, bytes.size(), dtype_text, dims,
           elements * width);
    campaign::blob::decode_elements(bytes, width, std::span(c.data).subspan(at, bytes.size()));
    c.offset.push_back(at);
    at += (bytes.size() + kAlignment - 1) / kAlignment * kAlignment;
    c.run_id.push_back(run_id);
    c.model.push_back(runs.model_code[run->second]);
    c.environment.push_back(runs.environment_code[run->second]);
    c.mutant_id.push_back(runs.mutant_id[run->second]);
    c.input_id.push_back(input_id);
    c.dataset_key.push_back(input->second);
    c.repetition.push_back(row.column_int(2));
    c.name.push_back(names.code(name));
    c.node.push_back(nodes.code(row.column_blob(4)));
    c.op.push_back(ops.code(row.column_blob(5)));
    c.node_index.push_back(row.column_int(6));
    c.dtype.push_back(dtypes.code(dtype_text));
    c.shape.push_back(std::move(shape));
  }
  c.models = runs.models;
  c.environments = runs.environments;
  c.keys = inputs.keys;
  c.names = names.categories();
  c.nodes = nodes.categories();
  c.ops = ops.categories();
  c.dtypes = dtypes.categories();
  return c;
}

}  // namespace

py::object intermediates_frame(campaign::Store& store, const IntermediateFilter& filter) {
  Columns c;
  {
    py::gil_scoped_release release;
    c = read(store, filter);
  }
  // One owner of the buffer; every value array keeps it alive.
  auto* owner = new std::vector<std::byte>(std::move(c.data));
  py::capsule buffer(owner, [](void* p) { delete static_cast<std::vector<std::byte>*>(p); });
  std::vector<py::dtype> dtypes;
  for (const std::string& name : c.dtypes) dtypes.emplace_back(name);
  const size_t rows = c.run_id.size();
  py::array values = py::module_::import("numpy").attr("empty")(rows, py::dtype("O"));
  py::list shapes(rows);
  auto** cells = static_cast<PyObject**>(values.mutable_data());
  for (size_t i = 0; i < rows; ++i) {
    const py::dtype& dtype = dtypes[static_cast<size_t>(c.dtype[i])];
    py::array value(dtype, c.shape[i], owner->data() + c.offset[i], buffer);
    Py_XDECREF(cells[i]);
    cells[i] = value.release().ptr();
    shapes[i] = py::tuple(py::cast(c.shape[i]));
  }
  return data_frame({
      {"run_id", to_numpy(std::move(c.run_id))},
      {"model", categorical(std::move(c.model), c.models)},
      {"environment", categorical(std::move(c.environment), c.environments)},
      {"mutant_id", to_numpy(std::move(c.mutant_id))},
      {"input_id", to_numpy(std::move(c.input_id))},
      {"dataset_key", categorical(std::move(c.dataset_key), c.keys)},
      {"repetition", to_numpy(std::move(c.repetition))},
      {"name", categorical(std::move(c.name), c.names)},
      {"node", categorical(std::move(c.node), c.nodes)},
      {"op", categorical(std::move(c.op), c.ops)},
      {"node_index", to_numpy(std::move(c.node_index))},
      {"dtype", categorical(std::move(c.dtype), c.dtypes)},
      {"shape", shapes},
      {"value", values},
  });
}

}  // namespace nnd::python
