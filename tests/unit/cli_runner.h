#pragma once
// Runs the nndelta binary as a user would, for CLI tests.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

#include "build_paths.h"

namespace nnd::testing {

struct CliResult {
  int exit_code;
  std::string out;  // stdout and stderr together
};

// `env` is prepended to the command line, e.g. "NNDELTA_FASHION_MNIST=/tmp/x".
inline CliResult run_cli(const std::string& args, const std::string& env = "") {
  std::string command = env + " " + std::string(nnd::test::nndelta_binary()) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// A bad input: exit code 2 and exactly one line, `nndelta: error: ...` containing `fragment`.
inline void expect_one_line_error(const CliResult& r, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(r.out.starts_with("nndelta: error: ")) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.out.find(fragment), std::string::npos) << "expected '" << fragment << "' in\n"
                                                     << r.out;
}

}  // namespace nnd::testing
