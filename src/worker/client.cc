#include "worker/client.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include "worker/frame.h"

extern char** environ;

namespace nnd::worker {

namespace {

std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return fmt::format("crashed with signal {} (SIG{})", sig, name ? name : "?");
  }
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  return "stopped";
}

}  // namespace

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kRefused:
      return "refused";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kCrashed:
      return "crashed";
    case Outcome::kHung:
      return "hung";
    case Outcome::kGarbage:
      return "garbage";
    case Outcome::kExited:
      return "exited";
  }
  return "?";
}

WorkerProcess::WorkerProcess(const Command& command, const Timeouts& timeouts)
    : timeouts_(timeouts), program_(command.argv.at(0)) {
  // A worker that dies while we write to it must not take the parent down with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
    throw WorkerFailure(Outcome::kExited, fmt::format("cannot make pipes: {}", strerror(errno)));
  // Whole input images in one write: a 224x224 float image is 600 KB, and on a busy machine each
  // 64 KB pipe refill costs a context switch.
  for (int fd : {in[1], out[0]}) ::fcntl(fd, F_SETPIPE_SZ, 1 << 20);
  if (int size = ::fcntl(in[1], F_GETPIPE_SZ); size > 0) pipe_capacity_ = static_cast<size_t>(size);
  // Our end of the worker's stdin never blocks: a request write that waits for room has a deadline.
  ::fcntl(in[1], F_SETFL, O_NONBLOCK);
  stderr_file_ = ::memfd_create("nndelta-worker-stderr", MFD_CLOEXEC);

  // Everything the child needs is built before fork: after it, only exec-safe calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    std::string key = entry.substr(0, entry.find('='));
    if (!command.env.count(key)) env_strings.push_back(entry);
  }
  for (const auto& [key, value] : command.env)
    env_strings.push_back(fmt::format("{}={}", key, value));
  std::vector<char*> envp, argv;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = command.argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  const rlimit memory{static_cast<rlim_t>(timeouts.memory_mb) << 20,
                      static_cast<rlim_t>(timeouts.memory_mb) << 20};
  pid_ = ::fork();
  if (pid_ == 0) {
    if (timeouts.memory_mb > 0) ::setrlimit(RLIMIT_DATA, &memory);
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    if (stderr_file_ >= 0) ::dup2(stderr_file_, STDERR_FILENO);
    ::execvpe(argv[0], argv.data(), envp.data());
    const char msg[] = "nndelta: cannot execute the worker program\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  to_worker_ = in[1];
  from_worker_ = out[0];
  if (pid_ < 0) {
    ::close(to_worker_);
    ::close(from_worker_);
    throw WorkerFailure(Outcome::kExited, fmt::format("cannot fork: {}", strerror(errno)));
  }
  const std::string hello =
      request(static_cast<uint8_t>(Type::kHello), Writer().u32(kProtocolVersion).take(),
              static_cast<uint8_t>(Type::kReady), timeouts_.hello);
  Reader ready(hello);
  if (uint32_t version = ready.u32(); version != kProtocolVersion)
    die(Outcome::kGarbage,
        fmt::format("speaks protocol version {}, not {}", version, kProtocolVersion));
  description_ = ready.str();
}

WorkerProcess::~WorkerProcess() {
  if (pid_ > 0) {
    try {
      write_frame(to_worker_, Type::kQuit, "",
                  std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
    } catch (const Timeout&) {
      // Not reading: it is killed below.
    }
    ::close(to_worker_);
    // Give it a moment to exit by itself, then make sure it is gone.
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(from_worker_);
  }
  if (stderr_file_ >= 0) ::close(stderr_file_);
}

std::string WorkerProcess::stderr_tail() const {
  if (stderr_file_ < 0) return {};
  off_t size = ::lseek(stderr_file_, 0, SEEK_END);
  const off_t keep = 400;
  off_t from = size > keep ? size - keep : 0;
  std::string tail(static_cast<size_t>(size - from), '\0');
  ssize_t n = ::pread(stderr_file_, tail.data(), tail.size(), from);
  tail.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return one_line(tail);
}

void WorkerProcess::die(Outcome outcome, const std::string& what) {
  std::string message = what;
  if (pid_ > 0) {
    int status = 0;
    if (outcome == Outcome::kExited || outcome == Outcome::kCrashed) {
      // The pipe closed: the process is exiting or has exited; collect how.
      ::waitpid(pid_, &status, 0);
      outcome = WIFSIGNALED(status) ? Outcome::kCrashed : Outcome::kExited;
      message = fmt::format("{} {}", what, describe_status(status));
    } else {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    ::close(to_worker_);
    ::close(from_worker_);
    pid_ = -1;
  }
  if (std::string tail = stderr_tail(); !tail.empty())
    message += fmt::format("; its stderr ends: {}", tail);
  throw WorkerFailure(outcome, fmt::format("worker {}: {}", program_, message));
}

std::string WorkerProcess::request(uint8_t type, const std::string& payload, uint8_t expected,
                                   std::chrono::milliseconds timeout) {
  if (pid_ <= 0) throw WorkerFailure(Outcome::kExited, "the worker is no longer running");
  if (!send(type, payload, timeout)) die(Outcome::kExited, "stopped reading requests:");
  return receive(expected, timeout);
}

bool WorkerProcess::send(uint8_t type, const std::string& payload,
                         std::chrono::milliseconds timeout) {
  if (pid_ <= 0) throw WorkerFailure(Outcome::kExited, "the worker is no longer running");
  try {
    return write_frame(to_worker_, static_cast<Type>(type), payload,
                       std::chrono::steady_clock::now() + timeout);
  } catch (const Timeout&) {
    die(Outcome::kHung,
        fmt::format("hung: did not read its request within {} ms", timeout.count()));
  }
}

std::string WorkerProcess::receive(uint8_t expected, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) throw WorkerFailure(Outcome::kExited, "the worker is no longer running");
  std::optional<Frame> reply;
  try {
    reply = read_frame(from_worker_, std::chrono::steady_clock::now() + timeout);
  } catch (const Timeout&) {
    die(Outcome::kHung, fmt::format("hung: no reply within {} ms", timeout.count()));
  } catch (const ProtocolError& e) {
    die(Outcome::kGarbage, fmt::format("wrote something that is not a frame ({})", e.what()));
  }
  if (!reply) die(Outcome::kExited, "ended without replying:");
  const uint8_t got = static_cast<uint8_t>(reply->type);
  if (got == static_cast<uint8_t>(Type::kError)) {
    try {
      Reader in(reply->payload);
      const uint8_t kind = in.u8();
      throw WorkerFailure(
          kind == static_cast<uint8_t>(ErrorKind::kPrepare) ? Outcome::kRefused : Outcome::kFailed,
          one_line(in.str()));
    } catch (const ProtocolError& e) {
      die(Outcome::kGarbage, fmt::format("sent a malformed error reply ({})", e.what()));
    }
  }
  if (got != expected)
    die(Outcome::kGarbage, fmt::format("replied with frame type {} instead of {}", got, expected));
  return std::move(reply->payload);
}

std::string WorkerProcess::prepare(const std::string& env, int threads, uint32_t primary_outputs,
                                   const std::string& label, const std::string& onnx) {
  std::string payload = Writer()
                            .str(env)
                            .u32(static_cast<uint32_t>(threads))
                            .u32(primary_outputs)
                            .str(label)
                            .bytes(onnx)
                            .take();
  const std::string reply = request(static_cast<uint8_t>(Type::kPrepare), payload,
                                    static_cast<uint8_t>(Type::kPrepared), timeouts_.prepare);
  Reader in(reply);
  try {
    return in.str();
  } catch (const ProtocolError& e) {
    die(Outcome::kGarbage, e.what());
  }
}

InferResult WorkerProcess::read_outputs(const std::string& reply) {
  try {
    Reader in(reply);
    InferResult result;
    result.latency_ns = in.u64();
    result.outputs = in.tensors();
    return result;
  } catch (const ProtocolError& e) {
    die(Outcome::kGarbage, e.what());
  }
}

InferResult WorkerProcess::infer(const TensorMap& inputs) {
  return read_outputs(request(static_cast<uint8_t>(Type::kInfer), Writer().tensors(inputs).take(),
                              static_cast<uint8_t>(Type::kOutputs), timeouts_.infer));
}

void WorkerProcess::send_infer(const TensorMap& inputs) {
  // A write that fails means the worker died: the next receive_infer() says how.
  send(static_cast<uint8_t>(Type::kInfer), Writer().tensors(inputs).take(), timeouts_.infer);
}

bool WorkerProcess::reply_waiting() const {
  pollfd p{from_worker_, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

InferResult WorkerProcess::receive_infer() {
  return read_outputs(receive(static_cast<uint8_t>(Type::kOutputs), timeouts_.infer));
}

InferResult WorkerProcess::intermediates(const TensorMap& inputs) {
  return read_outputs(request(static_cast<uint8_t>(Type::kIntermediates),
                              Writer().tensors(inputs).take(), static_cast<uint8_t>(Type::kOutputs),
                              timeouts_.infer));
}

}  // namespace nnd::worker
