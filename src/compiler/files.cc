#include "compiler/files.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "core/error.h"

namespace nnd::compiler {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) fail("{}: cannot write", path);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void run_tool(std::vector<std::string> args, const std::string& purpose) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail("{} failed ('{}' exited with {}{})", purpose, fmt::join(args, " "),
         WIFEXITED(status) ? WEXITSTATUS(status) : -1,
         WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ": not found; is a C++ toolchain installed?"
                                                          : "");
}

}  // namespace nnd::compiler
