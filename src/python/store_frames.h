#pragma once
// The store's long tables as pandas data frames, read with SQLite in C++ (the GIL released) into
// columns that numpy takes over without copying. docs/python.md lists the columns.
#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <vector>

#include "campaign/store.h"

namespace nnd::python {

// Every prediction, ordered by run, repetition, input (the table's key order).
pybind11::object predictions_frame(campaign::Store& store, bool with_logits);

struct IntermediateFilter {
  std::optional<int64_t> run_id;
  std::optional<std::string> dataset_key;
  std::optional<std::vector<std::string>> names;
};
// The kept intermediate values that pass the filter, each a numpy array of its dtype and shape.
pybind11::object intermediates_frame(campaign::Store& store, const IntermediateFilter& filter);

}  // namespace nnd::python
