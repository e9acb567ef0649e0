#include "backends/halide/compiler_process.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.h"
#include "core/sha256.h"
#include "worker/launch.h"

namespace fs = std::filesystem;

namespace nnd::backends::halide {

namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const size_t nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

std::string unique_suffix() {
  static std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(getpid()));
  return fmt::format("{}-{:x}", getpid(), rng());
}

}  // namespace

Manifest run_compiler(const CompileCall& call) {
  const fs::path dir = fs::path(cache_dir()) / "models";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("{}: cannot create the compile cache folder ({})", dir.string(), ec.message());
  // The model file is content-addressed: concurrent workers write the same bytes.
  const fs::path model = dir / (sha256_hex(call.model_bytes) + ".onnx");
  if (!fs::exists(model)) {
    const std::string tmp = model.string() + ".tmp" + unique_suffix();
    std::ofstream(tmp, std::ios::binary)
        .write(call.model_bytes.data(), static_cast<std::streamsize>(call.model_bytes.size()));
    fs::rename(tmp, model);
  }
  const std::string manifest_path = (dir / ("manifest-" + unique_suffix() + ".json")).string();
  std::vector<std::string> args = {worker::halide_compiler_binary(),
                                   "--model",
                                   model.string(),
                                   "--env",
                                   call.env,
                                   "--manifest",
                                   manifest_path,
                                   "--cache",
                                   cache_dir()};
  if (!call.emit_dir.empty()) {
    args.insert(args.end(), {"--emit", call.emit_dir});
  }
  if (!call.bundle_dir.empty()) {
    args.insert(args.end(), {"--bundle", call.bundle_dir, "--bundle-inputs",
                             std::to_string(call.bundle_inputs)});
  }
  if (::access(args[0].c_str(), X_OK) != 0)
    fail("{}: the Halide compiler {} is not built (cmake --build build)", call.env, args[0]);

  int err[2];
  if (::pipe(err) != 0)
    fail("cannot create a pipe for the Halide compiler: {}", std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(err[1], 2);
    ::close(err[0]);
    ::close(err[1]);
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(err[1]);
  const std::string messages = read_all(err[0]);
  ::close(err[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    fail("{}: {}: the Halide compiler crashed with signal {} ({}) {}", call.env, call.label,
         WTERMSIG(status), strsignal(WTERMSIG(status)), last_line(messages));
  if (WEXITSTATUS(status) != 0) {
    std::string line = last_line(messages);
    const std::string prefix = "nndelta-halide: error: ";
    if (line.rfind(prefix, 0) == 0) line = line.substr(prefix.size());
    fail("{}: {}", call.env,
         line.empty() ? fmt::format("the Halide compiler exited with {}", WEXITSTATUS(status))
                      : line);
  }
  std::ifstream in(manifest_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(manifest_path, ec);
  return manifest_from_json(text, manifest_path);
}

}  // namespace nnd::backends::halide
