#pragma once
// The frames of docs/worker-protocol.md: a u32 length, a u8 type, then a payload built from
// little-endian integers, strings, byte blobs and tensors.
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/tensor.h"

namespace nnd::worker {

inline constexpr uint32_t kProtocolVersion = 1;
inline constexpr uint32_t kMaxFrameBytes = 1u << 30;

enum class Type : uint8_t {
  kHello = 1,
  kPrepare = 2,
  kInfer = 3,
  kIntermediates = 4,
  kQuit = 5,
  kReady = 129,
  kPrepared = 130,
  kOutputs = 131,
  kError = 255,
};

enum class ErrorKind : uint8_t { kPrepare = 1, kRun = 2 };

struct Frame {
  Type type;
  std::string payload;
};

// Builds a payload.
class Writer {
 public:
  Writer& u8(uint8_t v);
  Writer& u32(uint32_t v);
  Writer& u64(uint64_t v);
  Writer& str(std::string_view s);
  Writer& bytes(std::string_view b);
  Writer& tensors(const TensorMap& map);
  std::string take() { return std::move(out_); }

 private:
  void tensor(const std::string& name, const Tensor& t);
  std::string out_;
};

// Reads a payload; reading past its end or a malformed tensor is a ProtocolError.
class Reader {
 public:
  explicit Reader(std::string_view payload) : in_(payload) {}
  uint8_t u8();
  uint32_t u32();
  uint64_t u64();
  std::string str();
  std::string bytes();
  TensorMap tensors();
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view take(uint64_t n);
  std::string_view in_;
  size_t pos_ = 0;
};

struct ProtocolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Timeout : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Deadline = std::chrono::steady_clock::time_point;

// Writes one frame to fd; false when the other end is gone. On a non-blocking fd, waiting for the
// reader to make room past the deadline (when one is given) is a Timeout.
bool write_frame(int fd, Type type, std::string_view payload,
                 const std::optional<Deadline>& deadline = std::nullopt);

// Reads one frame from fd. nullopt at a clean end of input before any byte; a frame cut short or
// too long is a ProtocolError; past the deadline (when one is given) a Timeout.
std::optional<Frame> read_frame(int fd, const std::optional<Deadline>& deadline = std::nullopt);

// The ONNX TensorProto data type numbers the protocol uses for dtypes.
uint8_t wire_dtype(DType dtype);
DType dtype_from_wire(uint8_t code);

}  // namespace nnd::worker
