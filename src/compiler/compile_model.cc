#include "compiler/compile_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "compiler/bundle.h"
#include "compiler/compile_stage.h"
#include "compiler/emit.h"
#include "compiler/files.h"
#include "compiler/plan.h"
#include "compiler/views.h"
#include "core/error.h"
#include "core/sha256.h"
#include "mutate/spec.h"

namespace fs = std::filesystem;

namespace nnd::compiler {

namespace {

using backends::halide::CompileOptions;
using backends::halide::Manifest;

constexpr const char* kToolchain = "Halide " HALIDE_VERSION_STRING_FOR_NNDELTA;

bool uses_float64(const Plan& plan) {
  for (const PlannedStage& stage : plan.stages)
    for (const Node& node : stage.nodes)
      if (node.op_type == "Resize" || node.op_type == "Upsample") return true;
  return false;
}

std::string stage_label(size_t index, const CompiledStage& stage) {
  return fmt::format("stage {} {}", index, fmt::join(stage.entry.nodes, " + "));
}

// Where the mutant's position falls: per stage, its sites within the stage. A position past the
// operator's last site, or an operator with no site, is a UserError naming both.
std::map<size_t, std::set<size_t>> mutated_sites(const mutate::MutantSpec& spec,
                                                 const std::vector<CompiledStage>& stages,
                                                 const CompileOptions& options) {
  std::vector<std::pair<size_t, size_t>> all;  // (stage, site within it)
  for (size_t i = 0; i < stages.size(); ++i)
    if (auto s = stages[i].sites.find(spec.op); s != stages[i].sites.end())
      for (size_t k = 0; k < s->second.size(); ++k) all.emplace_back(i, k);
  const std::string_view id = mutate::info(spec.op).id;
  if (all.empty())
    fail("mutant {}: {} has no site in this model's loop IR at {}", spec.id(), id, options.key());
  std::map<size_t, std::set<size_t>> out;
  for (size_t g : spec.position.select(all.size(), id)) out[all[g].first].insert(all[g].second);
  return out;
}

}  // namespace

Manifest compile_model(const Model& model, const CompileOptions& options, const Cache& cache,
                       const CompileSettings& settings) {
  const Plan plan = make_plan(model, options);
  Halide::Target target(options.target());
  // OpenCL has float64 only as an extension (cl_khr_fp64), and only Resize's coordinate math
  // needs it: other models keep running on devices without it.
  if (target.has_feature(Halide::Target::OpenCL) && uses_float64(plan))
    target = target.with_feature(Halide::Target::CLDoubles);
  const Halide::Target stage_target = target.with_feature(Halide::Target::NoRuntime);

  Manifest manifest;
  manifest.target = target.to_string();
  manifest.options = options.key();
  manifest.inputs = plan.inputs;
  manifest.outputs = plan.outputs;
  for (const ValueInfo& in : model.graph.inputs) {
    if (plan.constants.count(in.name)) continue;
    std::optional<Shape> s = in.static_shape();
    if (!s)
      fail("{}: input '{}' has a dynamic shape; halide compiles static shapes only",
           model.source_path, in.name);
    manifest.shapes[in.name] = *s;
  }
  std::function<Shape(const std::string&)> shape_of = [&](const std::string& name) -> Shape {
    if (auto s = manifest.shapes.find(name); s != manifest.shapes.end()) return s->second;
    if (auto c = plan.constants.find(name); c != plan.constants.end()) return c->second.shape();
    if (auto v = plan.views.find(name); v != plan.views.end()) {
      const Node& node = *v->second;
      Shape s = view_shape(node, shape_of(node.inputs[0]), plan.constants, plan.opset);
      manifest.shapes[name] = s;
      manifest.views[name] = node.inputs[0];
      return s;
    }
    NND_CHECK(false, "value '{}' has no shape yet", name);
  };

  Emitter emitter(settings.emit_dir, options);
  const StageContext ctx{
      plan, shape_of, options, stage_target, cache, emitter, !settings.emit_dir.empty()};
  std::vector<CompiledStage> stages;
  for (size_t i = 0; i < plan.stages.size(); ++i) {
    stages.push_back(compile_stage(i, ctx, std::nullopt));
    for (size_t k = 0; k < stages[i].node_output_names.size(); ++k)
      manifest.shapes[stages[i].node_output_names[k]] = stages[i].node_output_shapes[k];
  }
  for (size_t i = 0; i < stages.size(); ++i)
    for (const auto& [op, where] : stages[i].sites)
      for (const std::string& w : where)
        manifest.loop_sites[std::string(mutate::info(op).id)].push_back(
            fmt::format("{}: {}", stage_label(i, stages[i]), w));
  if (!options.mutation.empty()) {
    const mutate::MutantSpec spec = mutate::MutantSpec::parse(options.mutation);
    manifest.mutation.id = spec.id();
    for (const auto& [i, sites] : mutated_sites(spec, stages, options)) {
      const std::string original_key = stages[i].entry.object_key;
      StageSites original_sites = stages[i].sites;
      stages[i] = compile_stage(i, ctx, StageMutation{spec.op, sites});
      stages[i].sites = std::move(original_sites);
      if (stages[i].entry.object_key != original_key) manifest.mutation.ir_changed = true;
      for (const std::string& w : stages[i].changed)
        manifest.mutation.where.push_back(fmt::format("{}: {}", stage_label(i, stages[i]), w));
    }
  }
  std::vector<std::string> objects;
  std::vector<std::string> constants_used;
  for (size_t i = 0; i < stages.size(); ++i) {
    if (std::find(objects.begin(), objects.end(), stages[i].object) == objects.end())
      objects.push_back(stages[i].object);
    for (const std::string& in : plan.stages[i].inputs)
      if (plan.constants.count(in) &&
          std::find(constants_used.begin(), constants_used.end(), in) == constants_used.end())
        constants_used.push_back(in);
    manifest.stages.push_back(stages[i].entry);
  }
  for (const std::string& out : plan.outputs) shape_of(out);

  // The runtime, once per target.
  const std::string runtime_key =
      sha256_hex(fmt::format("{}\nruntime\n{}", kToolchain, target.to_string()));
  objects.push_back(cache.get_or_make(runtime_key, ".o", [&](const std::string& tmp) {
    Halide::compile_standalone_runtime(tmp, target);
  }));

  std::string link_key_text = kToolchain;
  for (const std::string& o : objects) link_key_text += "\n" + fs::path(o).filename().string();
  manifest.library =
      cache.get_or_make(sha256_hex(link_key_text), ".so", [&](const std::string& tmp) {
        std::vector<std::string> args = {"c++", "-shared", "-o", tmp};
        args.insert(args.end(), objects.begin(), objects.end());
        args.insert(args.end(), {"-ldl", "-lpthread"});
        run_tool(args, "linking the compiled model");
      });
  manifest.library_sha256 = sha256_file(manifest.library);

  // The weights the stages read, in one file.
  std::string bytes;
  for (const std::string& name : constants_used) {
    const Tensor& t = plan.constants.at(name);
    const Tensor f = t.dtype() == DType::kFloat32 ? t : t.cast(DType::kFloat32);
    // Each constant starts on a 128-byte boundary, as Halide assumes of every buffer.
    bytes.resize((bytes.size() + 127) / 128 * 128, '\0');
    manifest.constants_at[name] = {static_cast<int64_t>(bytes.size()), f.shape()};
    manifest.shapes[name] = f.shape();
    bytes.append(reinterpret_cast<const char*>(f.bytes().data()), f.bytes().size());
  }
  manifest.constants = cache.get_or_make(sha256_hex(bytes), ".bin", [&](const std::string& tmp) {
    std::ofstream(tmp, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  });
  manifest.constants_sha256 = sha256_file(manifest.constants);
  emitter.finish(manifest, plan);
  if (!settings.bundle_dir.empty())
    write_bundle(settings.bundle_dir, manifest, objects, options.gpu());
  return manifest;
}

}  // namespace nnd::compiler
