#include "python/frame.h"

namespace nnd::python {

namespace {

py::module_ pandas() { return py::module_::import("pandas"); }

}  // namespace

py::array to_numpy_bool(std::vector<uint8_t> values) {
  return to_numpy(std::move(values)).attr("view")(py::dtype("bool"));
}

py::object categorical(std::vector<int32_t> codes, const std::vector<std::string>& categories) {
  return pandas()
      .attr("Categorical")
      .attr("from_codes")(to_numpy(std::move(codes)), strings(categories));
}

py::object nullable_int(std::vector<int64_t> values, std::vector<uint8_t> missing) {
  return pandas().attr("arrays").attr("IntegerArray")(to_numpy(std::move(values)),
                                                      to_numpy_bool(std::move(missing)));
}

py::array views(const py::array& flat, const std::vector<int64_t>& offsets,
                const std::vector<uint8_t>* missing) {
  const size_t rows = offsets.empty() ? 0 : offsets.size() - 1;
  // np.empty fills an object array with None, which each row replaces.
  py::array column = py::module_::import("numpy").attr("empty")(rows, py::dtype("O"));
  auto** cells = static_cast<PyObject**>(column.mutable_data());
  // numpy's own constructor of a view, as py::array's does it, without its per-call checks and
  // shape vectors: a long column has a view per row.
  auto& api = py::detail::npy_api::get();
  py::dtype dtype = flat.dtype();
  const Py_intptr_t stride = flat.itemsize();
  char* data = static_cast<char*>(const_cast<void*>(flat.data()));
  for (size_t i = 0; i < rows; ++i) {
    if (missing && (*missing)[i]) continue;
    const Py_intptr_t size = offsets[i + 1] - offsets[i];
    PyObject* view = api.PyArray_NewFromDescr_(api.PyArray_Type_, dtype.inc_ref().ptr(), 1, &size,
                                               &stride, data + offsets[i] * stride,
                                               py::detail::npy_api::NPY_ARRAY_WRITEABLE_, nullptr);
    if (!view || api.PyArray_SetBaseObject_(view, flat.inc_ref().ptr()) != 0) {
      Py_XDECREF(view);
      throw py::error_already_set();
    }
    Py_XDECREF(cells[i]);
    cells[i] = view;
  }
  return column;
}

py::list strings(const std::vector<std::string>& values) {
  py::list list(values.size());
  for (size_t i = 0; i < values.size(); ++i) list[i] = py::str(values[i]);
  return list;
}

py::object data_frame(const std::vector<std::pair<std::string, py::object>>& columns) {
  py::dict dict;
  for (const auto& [name, column] : columns) dict[py::str(name)] = column;
  // The columns are new and nobody else's: pandas need not copy them into blocks of its own.
  return pandas().attr("DataFrame")(dict, py::arg("copy") = false);
}

}  // namespace nnd::python
