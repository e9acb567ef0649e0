#include "worker/launch.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "backends/backend.h"
#include "backends/transforms.h"
#include "core/error.h"

namespace fs = std::filesystem;

namespace nnd::worker {

namespace {

const std::vector<std::string> kOrtDevices = {"cpu", "wasm"};

std::string ort_dir() { return (fs::path(home_dir()) / "workers" / "ort").string(); }

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string_view rest = path;
  while (!rest.empty()) {
    size_t colon = rest.find(':');
    fs::path dir(std::string(rest.substr(0, colon)));
    if (::access((dir / program).c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return false;
}

// The ort worker's native frame reader, built with nndelta (workers/ort/native).
std::string ort_frame_io() { return NNDELTA_BINARY_DIR "/ort_frame_io.node"; }

std::string ort_package(const std::string& device) {
  return device == "wasm" ? "onnxruntime-web" : "onnxruntime-node";
}

std::string ort_unavailable_reason(const backends::EnvSpec& env) {
  if (std::find(kOrtDevices.begin(), kOrtDevices.end(), env.device) == kOrtDevices.end())
    return fmt::format("ort runs on cpu and wasm, not '{}'", env.device);
  if (!on_path("node")) return "node (Node.js) is not on PATH";
  fs::path package = fs::path(ort_dir()) / "node_modules" / ort_package(env.device);
  if (!fs::exists(package))
    return fmt::format("{} is not installed in {} (run scripts/setup)", ort_package(env.device),
                       ort_dir());
  if (!fs::exists(ort_frame_io()))
    return fmt::format("the ort worker's frame reader {} is not built (run scripts/setup)",
                       ort_frame_io());
  return {};
}

std::string ort_version() {
  fs::path manifest = fs::path(ort_dir()) / "node_modules" / "onnxruntime-node" / "package.json";
  if (!fs::exists(manifest)) return {};
  std::ifstream in(manifest);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t key = text.find("\"version\"");
  if (key == std::string::npos) return "ONNX Runtime";
  size_t open = text.find('"', text.find(':', key) + 1);
  return fmt::format("ONNX Runtime {}", text.substr(open + 1, text.find('"', open + 1) - open - 1));
}

std::string worker_binary() {
  if (const char* override_path = std::getenv("NNDELTA_WORKER_BINARY")) return override_path;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && self.filename() == "nndelta") return self.string();
  return NNDELTA_BINARY_DIR "/nndelta";  // tests run from other binaries of the same build
}

}  // namespace

std::string halide_compiler_binary() {
  if (const char* override_path = std::getenv("NNDELTA_HALIDE_COMPILER")) return override_path;
  return NNDELTA_BINARY_DIR "/nndelta-halide";
}

std::string home_dir() {
  if (const char* home = std::getenv("NNDELTA_HOME")) return home;
  return NNDELTA_SOURCE_DIR;
}

Command command_for(const backends::EnvSpec& env) {
  if (env.framework == "ort")
    return Command{{"node", (fs::path(ort_dir()) / "worker.js").string()},
                   {{"NNDELTA_ORT_FRAME_IO", ort_frame_io()}}};
  const backends::Backend* backend = backends::find_backend(env.framework);
  if (!backend) fail("environment '{}': unknown framework '{}'", env.canonical(), env.framework);
  return Command{{worker_binary(), "worker"}, backend->worker_environment(env)};
}

std::string unavailable_reason(const backends::EnvSpec& env) {
  try {
    backends::check_transforms(env);
  } catch (const UserError& e) {
    return e.what();
  }
  if (env.framework == "ort") return ort_unavailable_reason(env);
  const backends::Backend* backend = backends::find_backend(env.framework);
  if (!backend) return fmt::format("unknown framework '{}'", env.framework);
  return backend->unavailable_reason(env);
}

std::vector<FrameworkInfo> frameworks() {
  std::vector<FrameworkInfo> list;
  for (const backends::Backend* b : backends::in_process_backends())
    list.push_back({b->framework(), b->version(), b->devices()});
  list.push_back({"ort", ort_version(), kOrtDevices});
  return list;
}

}  // namespace nnd::worker
