#include "compiler/compile_model.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>

#include "compiler/bundle.h"
#include "compiler/emit.h"
#include "compiler/files.h"
#include "compiler/plan.h"
#include "compiler/schedule/schedule.h"
#include "compiler/stage_build.h"
#include "compiler/views.h"
#include "core/error.h"
#include "core/sha256.h"

namespace fs = std::filesystem;

namespace nnd::compiler {

namespace {

using backends::halide::CompileOptions;
using backends::halide::Manifest;
using backends::halide::StageEntry;

constexpr const char* kToolchain = "Halide " HALIDE_VERSION_STRING_FOR_NNDELTA;

// Halide numbers the temporaries it makes per process (t123, f$4); renumbered in order of first
// use, the loop IR of the same computation is the same text in every process.
std::string normalized_ir(const std::string& text) {
  static const std::regex token(R"(\bt[0-9]+\b|\$[0-9]+)");
  std::map<std::string, std::string> renamed;
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), token);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out.append(text, last, it->position() - last);
    const std::string t = it->str();
    auto [r, fresh] = renamed.try_emplace(t, "");
    if (fresh) r->second = fmt::format("{}{}", t[0] == '$' ? "$" : "t", renamed.size());
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

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

Manifest compile_model(const Model& model, const CompileOptions& options, const Cache& cache,
                       const CompileSettings& settings) {
  const Plan plan = make_plan(model, options);
  const Halide::Target target(options.target());
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
  std::vector<std::string> objects;
  std::vector<std::string> constants_used;
  for (size_t i = 0; i < plan.stages.size(); ++i) {
    const PlannedStage& planned = plan.stages[i];
    const auto start = std::chrono::steady_clock::now();
    BuiltStage built = build_stage(planned, plan, shape_of, options);
    for (size_t k = 0; k < built.node_output_names.size(); ++k)
      manifest.shapes[built.node_output_names[k]] = built.node_output_shapes[k];
    StageEntry entry;
    entry.inputs = planned.inputs;
    entry.outputs = planned.outputs;
    for (const Node& n : planned.nodes) entry.nodes.push_back(n.label());
    entry.schedule = schedule_stage(built, options, target);

    std::vector<Halide::Argument> args(built.params.begin(), built.params.end());
    std::vector<Func> outs;
    for (const Value& v : built.outputs) outs.push_back(v.func);
    Halide::Pipeline pipeline(outs);
    const std::string ir =
        normalized_ir(loop_ir(pipeline.compile_to_module(args, "nnd_stage", stage_target)));
    entry.object_key =
        sha256_hex(fmt::format("{}\n{}\n{}", kToolchain, stage_target.to_string(), ir));
    entry.function = "nnd_" + entry.object_key.substr(0, 24);
    bool cached = false;
    const std::string object = cache.get_or_make(
        entry.object_key, ".o",
        [&](const std::string& tmp) {
          pipeline.compile_to_module(args, entry.function, stage_target)
              .compile({{Halide::OutputFileType::object, tmp}});
        },
        &cached);
    entry.compile_ms = cached ? 0 : ms_since(start);
    if (std::find(objects.begin(), objects.end(), object) == objects.end())
      objects.push_back(object);
    for (const std::string& in : planned.inputs)
      if (plan.constants.count(in) &&
          std::find(constants_used.begin(), constants_used.end(), in) == constants_used.end())
        constants_used.push_back(in);
    emitter.stage(i, entry, pipeline, args, stage_target, ir);
    manifest.stages.push_back(std::move(entry));
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
  manifest.library = cache.get_or_make(sha256_hex(link_key_text), ".so",
                                       [&](const std::string& tmp) {
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
