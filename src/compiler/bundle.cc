#include "compiler/bundle.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "compiler/files.h"
#include "core/error.h"

namespace fs = std::filesystem;

namespace nnd::compiler {

namespace {

std::string shape_text(const Shape& s) { return fmt::format("{}", fmt::join(s, " ")); }

}  // namespace

void write_bundle(const std::string& dir, const backends::halide::Manifest& m,
                  const std::vector<std::string>& objects, bool gpu) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("{}: cannot create the bundle folder ({})", dir, ec.message());
  const fs::path root(dir);
  fs::remove(root / "libmodel.a", ec);
  std::vector<std::string> ar = {"ar", "rcs", (root / "libmodel.a").string()};
  ar.insert(ar.end(), objects.begin(), objects.end());
  run_tool(ar, "archiving the bundle's static library");
  fs::copy_file(m.constants, root / "constants.bin", fs::copy_options::overwrite_existing);
  fs::copy_file(NNDELTA_HALIDE_RUNTIME_HEADER, root / "HalideRuntime.h",
                fs::copy_options::overwrite_existing);
  fs::copy_file(NNDELTA_BUNDLE_MAIN, root / "run_model.cc", fs::copy_options::overwrite_existing);

  std::string plan =
      fmt::format("# nndelta halide bundle: target {}\ngpu {}\n", m.target, gpu ? 1 : 0);
  for (const std::string& in : m.inputs)
    plan += fmt::format("input {} {}\n", in, shape_text(m.shapes.at(in)));
  for (const auto& [name, c] : m.constants_at)
    plan += fmt::format("constant {} {} {}\n", name, c.offset, shape_text(c.shape));
  for (const auto& [name, base] : m.views)
    plan += fmt::format("view {} {} {}\n", name, base, shape_text(m.shapes.at(name)));
  std::set<std::string> listed(m.inputs.begin(), m.inputs.end());
  for (const auto& s : m.stages)
    for (const std::string& out : s.outputs)
      if (listed.insert(out).second)
        plan += fmt::format("value {} {}\n", out, shape_text(m.shapes.at(out)));
  for (const auto& s : m.stages)
    plan += fmt::format("stage {} {} -> {}\n", s.function, fmt::join(s.inputs, " "),
                        fmt::join(s.outputs, " "));
  for (const std::string& out : m.outputs) plan += fmt::format("output {}\n", out);
  write_text((root / "model.plan").string(), plan);

  std::string table = "// The stages of this bundle's model, in the order model.plan lists them.\n";
  table +=
      "using StageFn = int (*)(void**);\nstruct StageEntry { const char* function; StageFn fn; "
      "};\n";
  std::set<std::string> declared;
  for (const auto& s : m.stages)
    if (declared.insert(s.function).second)
      table += fmt::format("extern \"C\" int {}_argv(void**);\n", s.function);
  table += "extern const StageEntry kStages[] = {\n";
  for (const auto& s : m.stages) table += fmt::format("  {{\"{0}\", {0}_argv}},\n", s.function);
  table += fmt::format("}};\nextern const int kStageCount = {};\n", m.stages.size());
  write_text((root / "stages.cc").string(), table);

  write_text((root / "build.sh").string(),
             "#!/bin/sh\n# Builds run_model with g++ alone (C++17); CUDA needs only the driver at "
             "run time.\n"
             "cd \"$(dirname \"$0\")\" && g++ -O2 -std=c++17 -I. run_model.cc stages.cc libmodel.a "
             "-ldl -lpthread -o run_model\n");
  fs::permissions(root / "build.sh",
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  write_text((root / "README.txt").string(),
             fmt::format("A model compiled by nndelta with Halide for target {}.\n\n"
                         "  sh build.sh        # g++ only\n"
                         "  ./run_model        # inputs/*.bin -> outputs/*.bin, latency.txt\n\n"
                         "Then, on the machine with nndelta:\n"
                         "  nndelta compare-raw --bundle THIS_FOLDER\n",
                         m.target));
}

}  // namespace nnd::compiler
