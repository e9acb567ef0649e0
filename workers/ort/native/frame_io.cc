// The ort worker's frames on stdin and stdout. Requests are read by a native thread while ONNX
// Runtime runs the current one on the JavaScript thread (onnxruntime-node's run blocks it).
//
// Why native: the frames must reach ONNX Runtime as plain ArrayBuffers (onnxruntime-node refuses
// SharedArrayBuffers), and JavaScript threads can only hand one over by a postMessage per frame,
// whose serialising, waking and new buffer object cost ~25 us of every 5 ms inference here, run
// with caches that ONNX Runtime has just filled. This thread reads into a few native blocks that
// JavaScript sees as the same ArrayBuffers frame after frame; handing a frame over is a lock and a
// queue pop.
//
// JavaScript side (frame_io.js): open(meta) once, with an Int32Array of 3 that receives each
// frame's type, payload start and payload size; then next() returns the frame's ArrayBuffer (valid
// until the next call), or { end: true } when stdin ends between frames, { truncated: bytes } when
// it ends inside one, { fatal, code } when it is not a frame stream (2) or cannot be read (1).
// write(bytes) writes a reply frame to stdout whole, or throws with the reason: fs.writeSync's
// layers cost ~10 us of a reply cold, and a reply is written between every two inferences.
#include <node_api.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace {

constexpr uint32_t kMaxFrameLength = 1U << 30;  // as protocol.js: type + payload, at most 1 GiB
constexpr uint8_t kInfer = 3;
constexpr uint8_t kIntermediates = 4;
constexpr int kSlots = 3;  // one lent to JavaScript, one queued, one being read
// INFER payloads are read at this offset, then moved to the start in [0, 8) that puts their first
// tensor's data on an 8-byte boundary, so that ONNX Runtime reads the image in place.
constexpr size_t kPayloadAt = 8;
constexpr size_t kMaxPrefix = 8 + 256 + 5;  // names longer than 256 bytes are simply not aligned

uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8U |
         static_cast<uint32_t>(p[2]) << 16U | static_cast<uint32_t>(p[3]) << 24U;
}

// Memory that a slot and the ArrayBuffer over it share; freed when both have let go.
struct Block {
  explicit Block(size_t n) : data(static_cast<uint8_t*>(std::malloc(n))), capacity(n) {}
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;
  ~Block() { std::free(data); }
  uint8_t* data;
  size_t capacity;
};

struct Message {
  enum Kind { kFrame, kEnd, kTruncated, kFatal } kind = kFrame;
  int slot = -1;
  int32_t type = 0;
  int32_t start = 0;
  int32_t size = 0;
  size_t truncated = 0;
  std::string fatal;
  int code = 0;
};

Message fatal(std::string what, int code) {
  Message m;
  m.kind = Message::kFatal;
  m.fatal = std::move(what);
  m.code = code;
  return m;
}

Message truncated(size_t bytes) {
  Message m;
  m.kind = Message::kTruncated;
  m.truncated = bytes;
  return m;
}

struct Reader {
  std::mutex mu;
  std::condition_variable changed;
  std::deque<Message> queue;
  bool free[kSlots] = {true, true, true};
  std::shared_ptr<Block> blocks[kSlots];
  int lent = -1;
  // The JavaScript thread's own: the block each slot's ArrayBuffer wraps, and that buffer.
  std::shared_ptr<Block> wrapped[kSlots];
  napi_ref buffers[kSlots] = {};
  napi_ref meta_ref = nullptr;
  int32_t* meta = nullptr;
};

// Never destroyed: the reading thread may still be blocked in read(2) when the process exits.
Reader& reader = *new Reader;

// Reads n bytes of stdin into buf, blocking; fewer only when stdin ends. Sets *error to errno on
// a failed read.
size_t read_fully(uint8_t* buf, size_t n, int* error) {
  size_t got = 0;
  while (got < n) {
    ssize_t count = ::read(STDIN_FILENO, buf + got, n - got);
    if (count > 0) {
      got += static_cast<size_t>(count);
    } else if (count == 0) {
      break;
    } else if (errno == EAGAIN) {  // stdin was left non-blocking by whoever started us
      pollfd in{STDIN_FILENO, POLLIN, 0};
      ::poll(&in, 1, -1);
    } else if (errno != EINTR) {
      *error = errno;
      break;
    }
  }
  return got;
}

// Where an INFER payload must start for its first tensor's data to be 8-byte aligned, from its
// first bytes (tensor count, name length, name, dtype, rank); 0 when they are too short to tell,
// and the decoder reports what is wrong.
size_t aligned_start(const uint8_t* prefix, size_t length) {
  if (length < 8 || le32(prefix) == 0) return 0;
  size_t name_length = le32(prefix + 4);
  if (length < 8 + name_length + 5) return 0;
  size_t rank = le32(prefix + 8 + name_length + 1);
  size_t data_offset = 8 + name_length + 1 + 4 + 8 * rank + 8;
  return (8 - data_offset % 8) % 8;
}

// A free slot, waiting for one, and the block it holds (null before its first frame).
int take_free_slot(std::shared_ptr<Block>* block) {
  std::unique_lock lock(reader.mu);
  for (;;) {
    for (int s = 0; s < kSlots; ++s) {
      if (reader.free[s]) {
        reader.free[s] = false;
        *block = reader.blocks[s];
        return s;
      }
    }
    reader.changed.wait(lock);
  }
}

Message read_failed(int error) {
  return fatal(std::string("reading stdin: ") + std::strerror(error), 1);
}

Message read_frame() {
  uint8_t header[5];
  int error = 0;
  size_t got = read_fully(header, sizeof header, &error);
  if (error != 0) return read_failed(error);
  if (got == 0) {
    Message end;
    end.kind = Message::kEnd;
    return end;
  }
  if (got >= 4) {
    uint32_t length = le32(header);
    if (length == 0)
      return fatal("stdin is not a frame stream: frame of length 0 has no type byte", 2);
    if (length > kMaxFrameLength) {
      return fatal("stdin is not a frame stream: frame length " + std::to_string(length) +
                       " exceeds the 1 GiB limit",
                   2);
    }
  }
  if (got < 5) return truncated(got);
  const uint8_t type = header[4];
  const size_t size = le32(header) - 1;

  std::shared_ptr<Block> block;
  const int slot = take_free_slot(&block);
  if (!block || block->capacity < size + kPayloadAt) {
    const size_t capacity = std::max(size + kPayloadAt, 2 * (block ? block->capacity : 0));
    block = std::make_shared<Block>(capacity);
    if (block->data == nullptr) {
      return fatal("reading stdin: no memory for a frame of " + std::to_string(size) + " bytes", 1);
    }
    std::lock_guard lock(reader.mu);
    reader.blocks[slot] = block;
  }

  uint8_t* at = block->data;
  size_t read = 0;
  size_t start = 0;
  if (type == kInfer || type == kIntermediates) {
    read = read_fully(at + kPayloadAt, std::min<size_t>(8, size), &error);
    if (read == 8 && error == 0) {
      size_t name_length = le32(at + kPayloadAt + 4);
      size_t prefix = std::min({size, 8 + name_length + 5, kMaxPrefix});
      read += read_fully(at + kPayloadAt + 8, prefix - 8, &error);
    }
    start = aligned_start(at + kPayloadAt, read);
    std::memmove(at + start, at + kPayloadAt, read);
  }
  if (error == 0) read += read_fully(at + start + read, size - read, &error);
  if (error != 0) return read_failed(error);
  if (read < size) return truncated(5 + read);
  Message m;
  m.slot = slot;
  m.type = type;
  m.start = static_cast<int32_t>(start);
  m.size = static_cast<int32_t>(size);
  return m;
}

void read_frames() {
  for (;;) {
    Message m = read_frame();
    const bool last = m.kind != Message::kFrame;
    {
      std::lock_guard lock(reader.mu);
      reader.queue.push_back(std::move(m));
    }
    reader.changed.notify_all();
    if (last) return;
  }
}

void release_block(napi_env /*env*/, void* /*data*/, void* hint) {
  delete static_cast<std::shared_ptr<Block>*>(hint);
}

napi_value throw_error(napi_env env, const char* message) {
  napi_throw_error(env, nullptr, message);
  return nullptr;
}

// A call's one argument, when it is a typed array of `kind`: the array, its elements and length.
struct TypedArg {
  napi_value array = nullptr;
  void* data = nullptr;
  size_t length = 0;
};

bool typed_arg(napi_env env, napi_callback_info info, napi_typedarray_type kind, TypedArg* arg) {
  size_t argc = 1;
  napi_get_cb_info(env, info, &argc, &arg->array, nullptr, nullptr);
  bool is_typed = false;
  napi_is_typedarray(env, arg->array, &is_typed);
  if (!is_typed) return false;
  napi_typedarray_type actual{};
  napi_get_typedarray_info(env, arg->array, &actual, &arg->length, &arg->data, nullptr, nullptr);
  return actual == kind;
}

// open(meta: Int32Array of at least 3): starts the reading thread.
napi_value open(napi_env env, napi_callback_info info) {
  if (reader.meta != nullptr) return throw_error(env, "the frame reader is already open");
  TypedArg meta;
  if (!typed_arg(env, info, napi_int32_array, &meta) || meta.length < 3)
    return throw_error(env, "open needs an Int32Array of 3");
  napi_create_reference(env, meta.array, 1, &reader.meta_ref);
  reader.meta = static_cast<int32_t*>(meta.data);
  std::thread(read_frames).detach();
  return nullptr;
}

napi_value outcome(napi_env env, const Message& m) {
  napi_value result = nullptr;
  napi_value value = nullptr;
  napi_create_object(env, &result);
  switch (m.kind) {
    case Message::kEnd:
      napi_get_boolean(env, true, &value);
      napi_set_named_property(env, result, "end", value);
      break;
    case Message::kTruncated:
      napi_create_double(env, static_cast<double>(m.truncated), &value);
      napi_set_named_property(env, result, "truncated", value);
      break;
    default:
      napi_create_string_utf8(env, m.fatal.data(), m.fatal.size(), &value);
      napi_set_named_property(env, result, "fatal", value);
      napi_create_int32(env, m.code, &value);
      napi_set_named_property(env, result, "code", value);
  }
  return result;
}

// The ArrayBuffer over slot s's block, made anew only when the block was replaced.
napi_value buffer_of(napi_env env, int s, const std::shared_ptr<Block>& block) {
  napi_value buffer = nullptr;
  if (reader.wrapped[s] != block) {
    if (reader.buffers[s] != nullptr) napi_delete_reference(env, reader.buffers[s]);
    auto* owner = new std::shared_ptr<Block>(block);
    if (napi_create_external_arraybuffer(env, block->data, block->capacity, release_block, owner,
                                         &buffer) != napi_ok) {
      delete owner;
      reader.buffers[s] = nullptr;
      reader.wrapped[s] = nullptr;
      return throw_error(env, "cannot wrap a frame buffer in an ArrayBuffer");
    }
    napi_create_reference(env, buffer, 1, &reader.buffers[s]);
    reader.wrapped[s] = block;
    return buffer;
  }
  napi_get_reference_value(env, reader.buffers[s], &buffer);
  return buffer;
}

// next(): the next frame's ArrayBuffer, blocking until it is there; the previous one may be
// overwritten from now on.
napi_value next(napi_env env, napi_callback_info /*info*/) {
  if (reader.meta == nullptr) return throw_error(env, "the frame reader is not open");
  Message m;
  std::shared_ptr<Block> block;
  {
    std::unique_lock lock(reader.mu);
    if (reader.lent >= 0) {
      reader.free[reader.lent] = true;
      reader.lent = -1;
      reader.changed.notify_all();
    }
    reader.changed.wait(lock, [] { return !reader.queue.empty(); });
    m = reader.queue.front();
    if (m.kind == Message::kFrame) {
      reader.queue.pop_front();
      reader.lent = m.slot;
      block = reader.blocks[m.slot];
    }  // an ending stays queued: every later call returns it again
  }
  if (m.kind != Message::kFrame) return outcome(env, m);
  reader.meta[0] = m.type;
  reader.meta[1] = m.start;
  reader.meta[2] = m.size;
  return buffer_of(env, m.slot, block);
}

// write(bytes: Uint8Array): all of it to stdout, waiting while the pipe is full.
napi_value write(napi_env env, napi_callback_info info) {
  TypedArg bytes;
  if (!typed_arg(env, info, napi_uint8_array, &bytes))
    return throw_error(env, "write needs a Uint8Array");
  const auto* at = static_cast<const uint8_t*>(bytes.data);
  size_t length = bytes.length;
  while (length > 0) {
    ssize_t count = ::write(STDOUT_FILENO, at, length);
    if (count >= 0) {
      at += count;
      length -= static_cast<size_t>(count);
    } else if (errno == EAGAIN) {  // stdout was left non-blocking and the parent is not reading
      pollfd out{STDOUT_FILENO, POLLOUT, 0};
      ::poll(&out, 1, -1);
    } else if (errno != EINTR) {
      return throw_error(env, std::strerror(errno));
    }
  }
  return nullptr;
}

}  // namespace

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor methods[] = {
      {"open", nullptr, open, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"next", nullptr, next, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"write", nullptr, write, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, 3, methods);
  return exports;
}
