// The module itself: its errors and its parts. A UserError (bad input: a missing model, a
// malformed environment, a campaign key) becomes nndelta.Error, a ValueError carrying the CLI's
// one-line message; an internal error (our bug) stays a RuntimeError.
#include <pybind11/pybind11.h>

#include "core/error.h"
#include "python/bindings.h"

namespace py = pybind11;

PYBIND11_MODULE(nndelta, m) {
  m.doc() =
      "nndelta: does an image-recognition model still give the same answers, as fast, in another "
      "computational environment? Campaigns, compare and localize, and stores as pandas data "
      "frames (docs/python.md).";
  m.attr("__version__") = "0.1.0";
  py::register_exception<nnd::UserError>(m, "Error", PyExc_ValueError);
  nnd::python::bind_envs(m);
  nnd::python::bind_analysis(m);
  nnd::python::bind_campaign(m);
  nnd::python::bind_store(m);
}
