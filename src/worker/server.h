#pragma once
// The worker side of the protocol for the in-process backends: `nndelta worker`.
#include <string>

namespace nnd::worker {

// Test-only misbehaviour on the first INFER: "segv", "hang", "garbage", "exit"; or "deaf": stop
// reading requests after the first PREPARE ("" for none).
struct ServeOptions {
  std::string fault;
};

// Serves requests from in_fd, replying on out_fd, until QUIT or the end of input. Returns the
// process exit status.
int serve(int in_fd, int out_fd, const ServeOptions& options);

}  // namespace nnd::worker
