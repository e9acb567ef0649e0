#include "worker/server.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <thread>
#include <utility>

#include "backends/backend.h"
#include "onnx/model_io.h"
#include "worker/frame.h"

namespace nnd::worker {

namespace {

class Server {
 public:
  Server(int out_fd, ServeOptions options) : out_(out_fd), options_(std::move(options)) {}

  // Returns false on QUIT.
  bool handle(const Frame& frame) {
    switch (frame.type) {
      case Type::kHello:
        reply(Type::kReady, Writer().u32(kProtocolVersion).str(description()).take());
        return true;
      case Type::kPrepare:
        prepare(frame.payload);
        if (options_.fault == "deaf")  // stop reading: the parent's next write must not hang it
          for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
        return true;
      case Type::kInfer:
      case Type::kIntermediates:
        infer(frame.payload, frame.type == Type::kIntermediates);
        return true;
      case Type::kQuit:
        return false;
      default:
        error(ErrorKind::kRun,
              fmt::format("unknown request type {}", static_cast<int>(frame.type)));
        return true;
    }
  }

 private:
  static std::string description() {
    std::string text = "nndelta worker 0.1.0;";
    for (const backends::Backend* b : backends::in_process_backends())
      text += fmt::format(" {}: {};", b->framework(), b->version());
    return text;
  }

  void prepare(const std::string& payload) {
    session_.reset();
    model_.reset();
    try {
      Reader in(payload);
      backends::PrepareRequest request;
      request.env = backends::EnvSpec::parse(in.str());
      request.threads = static_cast<int>(in.u32());
      primary_outputs_ = in.u32();
      request.label = in.str();
      request.onnx = in.bytes();
      const backends::Backend* backend = backends::find_backend(request.env.framework);
      if (!backend) fail("framework '{}' does not run in nndelta worker", request.env.framework);
      model_ = std::make_unique<Model>(onnx_io::model_from_bytes(request.onnx, request.label));
      request.model = model_.get();
      session_ = backend->prepare(request);
      std::string described = fmt::format("{} on {}", backend->version(), request.env.canonical());
      if (std::string more = session_->description(); !more.empty()) described += "; " + more;
      reply(Type::kPrepared, Writer().str(described).take());
    } catch (const std::exception& e) {
      session_.reset();
      error(ErrorKind::kPrepare, e.what());
    }
  }

  void misbehave() {
    const std::string fault = std::exchange(options_.fault, "");
    if (fault == "segv") std::raise(SIGSEGV);
    if (fault == "hang")
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    if (fault == "garbage") {
      const char junk[] = "\xff\xff\xff\x7fnot a frame";
      (void)!::write(out_, junk, sizeof junk);
    }
    if (fault == "exit") ::_exit(3);
  }

  void infer(const std::string& payload, bool every_output) {
    misbehave();
    if (!session_) return error(ErrorKind::kRun, "no model is prepared");
    try {
      TensorMap inputs = Reader(payload).tensors();
      auto start = std::chrono::steady_clock::now();
      TensorMap outputs = session_->run(inputs);
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
      if (!every_output && primary_outputs_ > 0) {
        TensorMap primary;
        const auto& declared = model_->graph.outputs;
        for (size_t i = 0; i < primary_outputs_ && i < declared.size(); ++i)
          if (auto it = outputs.find(declared[i].name); it != outputs.end())
            primary.insert(std::move(*it));
        outputs = std::move(primary);
      }
      reply(Type::kOutputs, Writer().u64(static_cast<uint64_t>(ns)).tensors(outputs).take());
    } catch (const std::exception& e) {
      error(ErrorKind::kRun, e.what());
    }
  }

  void error(ErrorKind kind, const std::string& message) {
    reply(Type::kError, Writer().u8(static_cast<uint8_t>(kind)).str(message).take());
  }

  void reply(Type type, const std::string& payload) {
    if (!write_frame(out_, type, payload)) ::_exit(0);  // the parent is gone
  }

  int out_;
  ServeOptions options_;
  std::unique_ptr<Model> model_;  // the session may refer to it
  std::unique_ptr<backends::Session> session_;
  uint32_t primary_outputs_ = 0;
};

}  // namespace

int serve(int in_fd, int out_fd, const ServeOptions& options) {
  Server server(out_fd, options);
  try {
    while (std::optional<Frame> frame = read_frame(in_fd))
      if (!server.handle(*frame)) return 0;
  } catch (const ProtocolError& e) {
    fmt::print(stderr, "nndelta worker: bad request: {}\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace nnd::worker
