#include "worker/frame.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace nnd::worker {

namespace {

template <typename T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));  // x86-64 and aarch64 are little-endian, as the wire is
  out.append(buf, sizeof(T));
}

// Waits until fd is ready for `events`; past the deadline (if any) throws Timeout saying `late`.
void wait_until_ready(int fd, short events, const std::optional<Deadline>& deadline,
                      const char* late) {
  for (;;) {
    int timeout_ms = -1;
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw Timeout(late);
      timeout_ms = static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
    }
    pollfd p{fd, events, 0};
    int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) throw Timeout(late);
    return;
  }
}

// Writes every piece, in as few writev calls as the pipe allows. On a non-blocking fd it waits for
// room, and past the deadline (if any) throws Timeout: a worker that stops reading in the middle of
// a request larger than the pipe must not hang the parent. Returns false when the reader is gone.
bool write_all(int fd, iovec* pieces, int count, const std::optional<Deadline>& deadline) {
  while (count > 0) {
    if (pieces->iov_len == 0) {
      ++pieces;
      --count;
      continue;
    }
    ssize_t k = ::writev(fd, pieces, count);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait_until_ready(fd, POLLOUT, deadline, "the request was not read before the deadline");
      continue;
    }
    if (k <= 0) return false;
    for (size_t written = static_cast<size_t>(k); written > 0;) {
      const size_t step = std::min(written, pieces->iov_len);
      pieces->iov_base = static_cast<char*>(pieces->iov_base) + step;
      pieces->iov_len -= step;
      written -= step;
      if (pieces->iov_len == 0) {
        ++pieces;
        --count;
      }
    }
  }
  return true;
}

// Reads exactly n bytes; returns how many were read before the end of input. Past the deadline
// (if any) it throws Timeout.
size_t read_all(int fd, char* data, size_t n, const std::optional<Deadline>& deadline) {
  size_t got = 0;
  while (got < n) {
    if (deadline) wait_until_ready(fd, POLLIN, deadline, "no reply before the deadline");
    ssize_t k = ::read(fd, data + got, n - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    got += static_cast<size_t>(k);
  }
  return got;
}

}  // namespace

Writer& Writer::u8(uint8_t v) {
  put(out_, v);
  return *this;
}
Writer& Writer::u32(uint32_t v) {
  put(out_, v);
  return *this;
}
Writer& Writer::u64(uint64_t v) {
  put(out_, v);
  return *this;
}
Writer& Writer::str(std::string_view s) {
  u32(static_cast<uint32_t>(s.size()));
  out_.append(s);
  return *this;
}
Writer& Writer::bytes(std::string_view b) {
  u64(b.size());
  out_.append(b);
  return *this;
}

void Writer::tensor(const std::string& name, const Tensor& t) {
  str(name).u8(wire_dtype(t.dtype())).u32(static_cast<uint32_t>(t.rank()));
  for (int64_t d : t.shape()) put(out_, d);
  auto data = t.bytes();
  bytes(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

Writer& Writer::tensors(const TensorMap& map) {
  size_t size = 4;  // one allocation: growing through a 600 KB image copies it several times
  for (const auto& [name, t] : map)
    size += 4 + name.size() + 1 + 4 + 8 * static_cast<size_t>(t.rank()) + 8 + t.bytes().size();
  out_.reserve(out_.size() + size);
  u32(static_cast<uint32_t>(map.size()));
  for (const auto& [name, t] : map) tensor(name, t);
  return *this;
}

std::string_view Reader::take(uint64_t n) {
  if (n > in_.size() - pos_)
    throw ProtocolError(fmt::format("payload ends after {} bytes, {} more expected", in_.size(),
                                    n - (in_.size() - pos_)));
  std::string_view s = in_.substr(pos_, n);
  pos_ += n;
  return s;
}

uint8_t Reader::u8() { return static_cast<uint8_t>(take(1)[0]); }
uint32_t Reader::u32() {
  uint32_t v;
  std::memcpy(&v, take(4).data(), 4);
  return v;
}
uint64_t Reader::u64() {
  uint64_t v;
  std::memcpy(&v, take(8).data(), 8);
  return v;
}
std::string Reader::str() { return std::string(take(u32())); }
std::string Reader::bytes() { return std::string(take(u64())); }

TensorMap Reader::tensors() {
  TensorMap map;
  const uint32_t count = u32();
  for (uint32_t i = 0; i < count; ++i) {
    std::string name = str();
    DType dtype = dtype_from_wire(u8());
    const uint32_t rank = u32();
    if (rank > 64) throw ProtocolError(fmt::format("tensor '{}' has rank {}", name, rank));
    Shape shape(rank);
    for (int64_t& d : shape) {
      d = static_cast<int64_t>(u64());
      if (d < 0) throw ProtocolError(fmt::format("tensor '{}' has a negative dimension", name));
    }
    std::string_view data = take(u64());
    // Checked before allocating: a bad header must not make us allocate a huge tensor.
    const long double want = static_cast<long double>(dtype_size(dtype)) *
                             static_cast<long double>(element_count(shape));
    if (want != static_cast<long double>(data.size()))
      throw ProtocolError(fmt::format("tensor '{}' {} {} has {} bytes of data", name,
                                      dtype_name(dtype), shape_string(shape), data.size()));
    Tensor t(dtype, shape);
    std::memcpy(t.mutable_bytes().data(), data.data(), data.size());
    map.emplace(std::move(name), std::move(t));
  }
  return map;
}

uint8_t wire_dtype(DType dtype) { return static_cast<uint8_t>(onnx_type_of(dtype)); }

DType dtype_from_wire(uint8_t code) {
  std::optional<DType> dtype = dtype_from_onnx(code);
  if (!dtype) throw ProtocolError(fmt::format("unknown dtype number {}", code));
  return *dtype;
}

bool write_frame(int fd, Type type, std::string_view payload,
                 const std::optional<Deadline>& deadline) {
  std::string header;
  put(header, static_cast<uint32_t>(payload.size() + 1));
  put(header, static_cast<uint8_t>(type));
  // One writev for header and payload: the reader wakes once per frame, not once per piece.
  iovec pieces[2] = {{header.data(), header.size()},
                     {const_cast<char*>(payload.data()), payload.size()}};
  return write_all(fd, pieces, 2, deadline);
}

std::optional<Frame> read_frame(int fd, const std::optional<Deadline>& deadline) {
  char header[5];
  size_t got = read_all(fd, header, 4, deadline);
  if (got == 0) return std::nullopt;
  if (got < 4)
    throw ProtocolError(fmt::format("input ended inside a frame header ({} of 4 bytes)", got));
  uint32_t length;
  std::memcpy(&length, header, 4);
  if (length == 0 || length > kMaxFrameBytes)
    throw ProtocolError(fmt::format("frame length {} is outside 1..{}", length, kMaxFrameBytes));
  if (read_all(fd, header + 4, 1, deadline) != 1)
    throw ProtocolError("input ended before the frame type");
  Frame frame{static_cast<Type>(static_cast<uint8_t>(header[4])), std::string(length - 1, '\0')};
  if (size_t n = read_all(fd, frame.payload.data(), length - 1, deadline); n != length - 1)
    throw ProtocolError(
        fmt::format("input ended {} bytes into a {}-byte frame", n + 5, length + 4));
  return frame;
}

}  // namespace nnd::worker
