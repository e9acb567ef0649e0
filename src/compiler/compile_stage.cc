#include "compiler/compile_stage.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "compiler/files.h"
#include "compiler/schedule/schedule.h"
#include "compiler/stage_key.h"
#include "core/error.h"
#include "core/sha256.h"

namespace nnd::compiler {

namespace {

using nlohmann::json;

constexpr const char* kToolchain = "Halide " HALIDE_VERSION_STRING_FOR_NNDELTA;

// Halide numbers the temporaries it makes per process (t123) and makes a Func name unique in the
// process with a suffix (n0_conv$4: the same stage built again, or another stage's n0_conv);
// temporaries renumbered in order of first use and suffixes dropped, the loop IR of the same
// computation is the same text in every process and at every place in a model. Our Func names
// are unique within a stage without the suffix (stage_build.h).
std::string normalized_ir(const std::string& raw) {
  static const std::regex suffix(R"(\$[0-9]+)");
  static const std::regex token(R"(\bt[0-9]+\b)");
  const std::string text = std::regex_replace(raw, suffix, "");
  std::map<std::string, std::string> renamed;
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), token);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out.append(text, last, it->position() - last);
    const std::string t = it->str();
    auto [r, fresh] = renamed.try_emplace(t, "");
    if (fresh) r->second = fmt::format("t{}", renamed.size());
    out += r->second;
    last = it->position() + it->length();
  }
  out.append(text, last, std::string::npos);
  return out;
}

std::string loop_ir(const Halide::Module& module) {
  std::ostringstream text;
  for (const Halide::Internal::LoweredFunc& f : module.functions()) text << f.body << "\n";
  return text.str();
}

json sites_json(const StageSites& sites) {
  json out = json::object();
  for (const auto& [op, where] : sites) out[std::string(mutate::info(op).id)] = where;
  return out;
}

StageSites sites_from_json(const json& j) {
  StageSites out;
  for (const auto& [id, where] : j.items())
    out[mutate::operator_named(id)] = where.get<std::vector<std::string>>();
  return out;
}

json record_json(const CompiledStage& s) {
  return {{"object_key", s.entry.object_key},
          {"function", s.entry.function},
          {"schedule", s.entry.schedule},
          {"node_outputs", s.node_outputs},
          {"node_output_shapes", s.node_output_shapes},
          {"sites", sites_json(s.sites)},
          {"changed", s.changed}};
}

void read_record(const json& j, CompiledStage& s) {
  s.entry.object_key = j.at("object_key");
  s.entry.function = j.at("function");
  s.entry.schedule = j.at("schedule");
  s.node_outputs = j.at("node_outputs").get<std::vector<std::pair<size_t, size_t>>>();
  s.node_output_shapes = j.at("node_output_shapes").get<std::vector<Shape>>();
  s.sites = sites_from_json(j.at("sites"));
  s.changed = j.at("changed").get<std::vector<std::string>>();
}

}  // namespace

CompiledStage compile_stage(size_t index, const StageContext& ctx,
                            const std::optional<StageMutation>& mutation) {
  const PlannedStage& planned = ctx.plan.stages[index];
  // What the plan says of the stage; the rest comes from its record or from compiling it.
  auto planned_entry = [&] {
    CompiledStage fresh;
    fresh.entry.inputs = planned.inputs;
    fresh.entry.outputs = planned.outputs;
    for (const Node& n : planned.nodes) fresh.entry.nodes.push_back(n.label());
    return fresh;
  };
  CompiledStage out = planned_entry();

  std::string mutation_text = "none";
  if (mutation)
    mutation_text =
        fmt::format("{} {}", mutate::info(mutation->op).id, fmt::join(mutation->sites, ","));
  CompileOptions unmutated = ctx.options;
  unmutated.mutation.clear();
  const std::string record_key = sha256_hex(fmt::format(
      "{}\n{}\n{}\n{}\nmutation {}\n{}", compiler_digest(), kToolchain, ctx.target.to_string(),
      unmutated.key(), mutation_text, stage_spec(planned, ctx.plan, ctx.shape_of)));
  if (!ctx.emitting && ctx.cache.valid(record_key, ".json")) {
    try {
      read_record(json::parse(read_text(ctx.cache.path(record_key, ".json"))), out);
      // The record is shared by every model with this stage: value names come from this one.
      for (const auto& [node, output] : out.node_outputs)
        out.node_output_names.push_back(planned.nodes.at(node).outputs.at(output));
      if (ctx.cache.valid(out.entry.object_key, ".o")) {
        out.object = ctx.cache.path(out.entry.object_key, ".o");
        return out;
      }
    } catch (const json::exception&) {
      // A record from another layout: rebuilt below.
    }
    out = planned_entry();
  }

  const auto start = std::chrono::steady_clock::now();
  BuiltStage built = build_stage(planned, ctx.plan, ctx.shape_of, ctx.options);
  out.node_output_names = built.node_output_names;
  out.node_output_shapes = built.node_output_shapes;
  for (size_t j = 0; j < planned.nodes.size(); ++j)
    for (size_t k = 0; k < planned.nodes[j].outputs.size(); ++k)
      if (std::find(out.node_output_names.begin(), out.node_output_names.end(),
                    planned.nodes[j].outputs[k]) != out.node_output_names.end())
        out.node_outputs.emplace_back(j, k);
  out.entry.schedule = schedule_stage(built, ctx.options, ctx.target);

  std::vector<Halide::Argument> args(built.params.begin(), built.params.end());
  std::vector<Halide::Func> outs;
  for (const Value& v : built.outputs) outs.push_back(v.func);
  Halide::Pipeline pipeline(outs);
  // The pass lives here; Halide only borrows it (the deleter does nothing).
  LoopMutator pass(mutation ? std::optional(mutation->op) : std::nullopt,
                   mutation ? mutation->sites : std::set<size_t>{});
  pipeline.add_custom_lowering_pass(&pass, [] {});
  Halide::Module module = pipeline.compile_to_module(args, "nnd_stage", ctx.target);
  out.sites = pass.sites();
  out.changed = pass.changed();
  const std::string ir = normalized_ir(loop_ir(module));
  out.entry.object_key =
      sha256_hex(fmt::format("{}\n{}\n{}", kToolchain, ctx.target.to_string(), ir));
  out.entry.function = "nnd_" + out.entry.object_key.substr(0, 24);
  bool cached = false;
  out.object = ctx.cache.get_or_make(
      out.entry.object_key, ".o",
      [&](const std::string& tmp) {
        // The module lowered above, renamed: lowering twice would double the compile time.
        for (Halide::Internal::LoweredFunc& f : module.functions())
          if (f.name == "nnd_stage") f.name = out.entry.function;
        module.compile({{Halide::OutputFileType::object, tmp}});
      },
      &cached);
  out.entry.compile_ms =
      cached ? 0
             : std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                   .count();
  ctx.emitter.stage(index, out.entry, pipeline, args, ctx.target, ir);
  ctx.cache.put(record_key, ".json",
                [&](const std::string& tmp) { write_text(tmp, record_json(out).dump()); });
  return out;
}

}  // namespace nnd::compiler
