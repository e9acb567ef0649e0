#include "backends/halide/manifest.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace nnd::backends::halide {

using nlohmann::json;

std::string manifest_to_json(const Manifest& m) {
  json stages = json::array();
  for (const StageEntry& s : m.stages)
    stages.push_back({{"function", s.function},
                      {"inputs", s.inputs},
                      {"outputs", s.outputs},
                      {"nodes", s.nodes},
                      {"schedule", s.schedule},
                      {"object_key", s.object_key},
                      {"compile_ms", s.compile_ms}});
  json constants = json::object();
  for (const auto& [name, c] : m.constants_at)
    constants[name] = {{"offset", c.offset}, {"shape", c.shape}};
  json out = {{"library", m.library},      {"library_sha256", m.library_sha256},
              {"constants", m.constants},  {"constants_sha256", m.constants_sha256},
              {"target", m.target},        {"options", m.options},
              {"inputs", m.inputs},        {"outputs", m.outputs},
              {"shapes", m.shapes},        {"views", m.views},
              {"constants_at", constants}, {"stages", stages},
              {"loop_sites", m.loop_sites}};
  if (!m.mutation.id.empty())
    out["mutation"] = {
        {"id", m.mutation.id}, {"where", m.mutation.where}, {"ir_changed", m.mutation.ir_changed}};
  return out.dump(1);
}

Manifest manifest_from_json(const std::string& text, const std::string& path) {
  try {
    json j = json::parse(text);
    Manifest m;
    m.library = j.at("library");
    m.library_sha256 = j.at("library_sha256");
    m.constants = j.at("constants");
    m.constants_sha256 = j.at("constants_sha256");
    m.target = j.at("target");
    m.options = j.at("options");
    m.inputs = j.at("inputs").get<std::vector<std::string>>();
    m.outputs = j.at("outputs").get<std::vector<std::string>>();
    m.shapes = j.at("shapes").get<std::map<std::string, Shape>>();
    m.views = j.at("views").get<std::map<std::string, std::string>>();
    for (const auto& [name, c] : j.at("constants_at").items())
      m.constants_at[name] = {c.at("offset"), c.at("shape").get<Shape>()};
    for (const json& s : j.at("stages"))
      m.stages.push_back({s.at("function"), s.at("inputs"), s.at("outputs"), s.at("nodes"),
                          s.at("schedule"), s.at("object_key"), s.at("compile_ms")});
    m.loop_sites = j.value("loop_sites", json::object())
                       .get<std::map<std::string, std::vector<std::string>>>();
    if (j.contains("mutation")) {
      const json& mu = j.at("mutation");
      m.mutation = {mu.at("id"), mu.at("where").get<std::vector<std::string>>(),
                    mu.at("ir_changed")};
    }
    return m;
  } catch (const json::exception& e) {
    fail("{}: not a halide compile manifest ({})", path, e.what());
  }
}

}  // namespace nnd::backends::halide
