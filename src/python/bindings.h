#pragma once
// The `nndelta` Python module, one file per area; each adds its functions to the module.
// docs/python.md documents what Python sees.
#include <pybind11/pybind11.h>

namespace nnd::python {

namespace py = pybind11;

void bind_envs(py::module_& m);      // envs.cc
void bind_analysis(py::module_& m);  // analysis.cc: compare, localize
void bind_campaign(py::module_& m);  // campaign.cc: run
void bind_store(py::module_& m);     // store.cc: Store

}  // namespace nnd::python
