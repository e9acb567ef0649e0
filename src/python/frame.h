#pragma once
// Columns for pandas, made in C++: numpy arrays that take over a std::vector's memory (no copy),
// categoricals for the few distinct texts of a long column (an environment, an outcome), nullable
// integers for SQL NULLs, and columns of array views into one buffer.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nnd::python {

namespace py = pybind11;

// The array owns the vector's memory from now on.
template <typename T>
py::array to_numpy(std::vector<T> values) {
  auto* owner = new std::vector<T>(std::move(values));
  py::capsule release(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({owner->size()}, {sizeof(T)}, owner->data(), release);
}

// A numpy bool array of 0/1 bytes.
py::array to_numpy_bool(std::vector<uint8_t> values);

// pandas.Categorical: codes index `categories` (-1: missing).
py::object categorical(std::vector<int32_t> codes, const std::vector<std::string>& categories);

// pandas' nullable Int64: `missing[i]` marks an SQL NULL.
py::object nullable_int(std::vector<int64_t> values, std::vector<uint8_t> missing);

// An object column whose row i is flat[offsets[i]:offsets[i+1]], a view: no element is copied.
// `offsets` has one more entry than there are rows; a row that `missing` marks is None.
py::array views(const py::array& flat, const std::vector<int64_t>& offsets,
                const std::vector<uint8_t>* missing = nullptr);

// An object column of str (for short tables).
py::list strings(const std::vector<std::string>& values);

// pandas.DataFrame with the columns in this order.
py::object data_frame(const std::vector<std::pair<std::string, py::object>>& columns);

}  // namespace nnd::python
