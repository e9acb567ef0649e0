#include "python/json_object.h"

namespace py = pybind11;

namespace nnd::python {

py::object to_python(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      return py::none();
    case nlohmann::json::value_t::boolean:
      return py::bool_(json.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return py::int_(json.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return py::int_(json.get<uint64_t>());
    case nlohmann::json::value_t::number_float:
      return py::float_(json.get<double>());
    case nlohmann::json::value_t::string:
      return py::str(json.get_ref<const std::string&>());
    case nlohmann::json::value_t::binary: {
      const auto& bytes = json.get_binary();
      return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
    case nlohmann::json::value_t::array: {
      py::list list(json.size());
      for (size_t i = 0; i < json.size(); ++i) list[i] = to_python(json[i]);
      return list;
    }
    case nlohmann::json::value_t::object: {
      py::dict dict;
      for (const auto& [key, value] : json.items()) dict[py::str(key)] = to_python(value);
      return dict;
    }
  }
  return py::none();
}

}  // namespace nnd::python
