#pragma once
// The JSON the CLI writes (--format json), as the Python objects json.loads would make of it:
// dicts, lists, str, int, float, bool and None. Results are converted from the CLI's own JSON
// writers, so a field added there reaches Python without a change here.
#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>

namespace nnd::python {

pybind11::object to_python(const nlohmann::json& json);

}  // namespace nnd::python
