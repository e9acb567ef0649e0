#include "compiler/emit.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>

#include "compiler/files.h"
#include "core/error.h"

namespace fs = std::filesystem;

namespace nnd::compiler {

namespace {

// The device kernels Halide embeds in the host code as one string constant
// (`<api>_gpu_source_kernels`): OpenCL C for opencl, PTX for cuda. Read back from the assembly
// Halide wrote, where it is an .asciz string with C escapes.
std::string device_source(const std::string& assembly) {
  const size_t label = assembly.find("_gpu_source_kernels.data:");
  if (label == std::string::npos) return {};
  const size_t open = assembly.find(".asciz\t\"", label);
  if (open == std::string::npos) return {};
  std::string out;
  for (size_t i = open + 8; i < assembly.size() && assembly[i] != '"'; ++i) {
    if (assembly[i] != '\\') {
      out += assembly[i];
      continue;
    }
    const char c = assembly[++i];
    if (c == 'n')
      out += '\n';
    else if (c == 't')
      out += '\t';
    else if (c >= '0' && c <= '7') {  // up to three octal digits
      int v = 0, digits = 0;
      for (; digits < 3 && assembly[i] >= '0' && assembly[i] <= '7'; ++digits, ++i)
        v = v * 8 + (assembly[i] - '0');
      --i;
      out += static_cast<char>(v);
    } else
      out += c;
  }
  return out;
}

}  // namespace

Emitter::Emitter(std::string dir, const backends::halide::CompileOptions& options)
    : dir_(std::move(dir)), options_(options) {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) fail("{}: cannot create the emit folder ({})", dir_, ec.message());
}

void Emitter::stage(size_t index, const backends::halide::StageEntry& entry,
                    Halide::Pipeline& pipeline, const std::vector<Halide::Argument>& args,
                    const Halide::Target& target, const std::string& loop_ir) {
  if (dir_.empty()) return;
  const fs::path base = fs::path(dir_) / fmt::format("stage{:03}", index);
  write_text(base.string() + ".stmt", loop_ir);
  pipeline.compile_to_lowered_stmt(base.string() + ".html", args, Halide::HTML, target);
  pipeline.compile_to_assembly(base.string() + ".s", args, entry.function, target);
  try {
    pipeline.compile_to_c(base.string() + ".c", args, entry.function, target);
  } catch (const Halide::CompileError& e) {
    write_text(base.string() + ".c.txt",
               fmt::format("Halide's C backend refused this stage: {}\n", e.what()));
  }
  if (options_.gpu()) {
    const std::string source = device_source(read_text(base.string() + ".s"));
    write_text(base.string() + (options_.device == "cuda" ? ".ptx" : ".cl"),
               source.empty() ? "// no device kernel in this stage\n" : source);
  }
}

void Emitter::finish(const backends::halide::Manifest& manifest, const Plan& plan) {
  if (dir_.empty()) return;
  std::string text = fmt::format("target   {}\noptions  {}\nlibrary  {}\n", manifest.target,
                                 manifest.options, manifest.library);
  for (const std::string& step : plan.steps_applied) text += fmt::format("step     {}\n", step);
  text += fmt::format("{} stages, {} views\n\n", manifest.stages.size(), manifest.views.size());
  double total = 0;
  for (size_t i = 0; i < manifest.stages.size(); ++i) {
    const auto& s = manifest.stages[i];
    total += s.compile_ms;
    text += fmt::format(
        "stage{:03}  {:<40}  {:>9}  {}\n           schedule: {}\n           outputs: {}\n", i,
        fmt::join(s.nodes, " + "),
        s.compile_ms > 0 ? fmt::format("{:.0f} ms", s.compile_ms) : "cached", s.function,
        s.schedule, fmt::join(s.outputs, ", "));
  }
  text += fmt::format("\ncompile time of the stages not cached: {:.0f} ms\n", total);
  write_text((fs::path(dir_) / "summary.txt").string(), text);
}

}  // namespace nnd::compiler
