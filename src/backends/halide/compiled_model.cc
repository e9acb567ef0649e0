#include "backends/halide/compiled_model.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "core/sha256.h"

namespace nnd::backends::halide {

namespace {

// Halide's runtime reports errors through a handler; its default one aborts the process.
thread_local std::string last_error;
void record_error(void*, const char* message) { last_error = message ? message : "(no message)"; }

template <typename Fn>
Fn symbol(void* library, const std::string& name, const std::string& path) {
  void* p = dlsym(library, name.c_str());
  if (!p) fail("{}: the compiled model has no symbol '{}'", path, name);
  return reinterpret_cast<Fn>(p);
}

}  // namespace

CompiledModel::CompiledModel(Manifest manifest, bool gpu, int threads)
    : manifest_(std::move(manifest)), gpu_(gpu) {
  if (sha256_file(manifest_.library) != manifest_.library_sha256)
    fail("{}: the compiled model does not match its checksum (a corrupt cache entry)",
         manifest_.library);
  if (sha256_file(manifest_.constants) != manifest_.constants_sha256)
    fail("{}: the model's constants do not match their checksum (a corrupt cache entry)",
         manifest_.constants);
  library_ = dlopen(manifest_.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library_) fail("{}: cannot load the compiled model: {}", manifest_.library, dlerror());
  symbol<void (*)(void (*)(void*, const char*))>(library_, "halide_set_error_handler",
                                                 manifest_.library)(&record_error);
  symbol<int (*)(int)>(library_, "halide_set_num_threads", manifest_.library)(threads);
  copy_to_host_ =
      symbol<int (*)(void*, halide_buffer_t*)>(library_, "halide_copy_to_host", manifest_.library);
  device_free_ =
      symbol<int (*)(void*, halide_buffer_t*)>(library_, "halide_device_free", manifest_.library);
  for (const StageEntry& s : manifest_.stages)
    functions_.push_back(symbol<StageFn>(library_, s.function + "_argv", manifest_.library));

  std::ifstream in(manifest_.constants, std::ios::binary | std::ios::ate);
  const std::streamsize bytes = in.tellg();
  constants_ = allocate(static_cast<size_t>(bytes) / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(constants_.get()), bytes);
  for (const auto& [name, c] : manifest_.constants_at) {
    auto s = std::make_unique<Slot>();
    bind(*s, constants_.get() + c.offset / static_cast<int64_t>(sizeof(float)), c.shape);
    if (gpu_) s->buffer.flags |= halide_buffer_flag_host_dirty;  // uploaded at first use
    slots_[name] = std::move(s);
  }
}

CompiledModel::AlignedFloats CompiledModel::allocate(size_t count) {
  constexpr size_t kAlign = 128;
  const size_t bytes =
      std::max<size_t>(kAlign, (count * sizeof(float) + kAlign - 1) / kAlign * kAlign);
  auto* p = static_cast<float*>(std::aligned_alloc(kAlign, bytes));
  if (!p) throw std::bad_alloc();
  std::fill(p, p + bytes / sizeof(float), 0.0f);
  return AlignedFloats(p);
}

CompiledModel::~CompiledModel() {
  for (auto& [name, s] : slots_)
    if (s->buffer.device && device_free_) device_free_(nullptr, &s->buffer);
  slots_.clear();
  // The library stays loaded: a GPU runtime keeps process-wide state (contexts, a thread pool)
  // that unloading would leave dangling.
}

void CompiledModel::bind(Slot& s, float* data, const Shape& shape) {
  const int rank = static_cast<int>(shape.size());
  s.dims.assign(rank, halide_dimension_t{});
  int32_t stride = 1;
  for (int d = 0; d < rank; ++d) {
    s.dims[d].min = 0;
    s.dims[d].extent = static_cast<int32_t>(shape[rank - 1 - d]);
    s.dims[d].stride = stride;
    stride *= s.dims[d].extent;
  }
  s.buffer = halide_buffer_t{};
  s.buffer.host = reinterpret_cast<uint8_t*>(data);
  s.buffer.type = {halide_type_float, 32, 1};
  s.buffer.dimensions = rank;
  s.buffer.dim = s.dims.data();
}

CompiledModel::Slot& CompiledModel::slot(const std::string& name) {
  auto it = slots_.find(name);
  if (it != slots_.end()) return *it->second;
  auto s = std::make_unique<Slot>();
  const Shape& shape = manifest_.shapes.at(name);
  if (auto v = manifest_.views.find(name); v != manifest_.views.end()) {
    Slot& base = slot(v->second);
    bind(*s, reinterpret_cast<float*>(base.buffer.host), shape);
  } else {
    s->storage = allocate(static_cast<size_t>(element_count(shape)));
    bind(*s, s->storage.get(), shape);
  }
  return *slots_.emplace(name, std::move(s)).first->second;
}

TensorMap CompiledModel::run(const TensorMap& inputs) {
  for (const std::string& name : manifest_.inputs) {
    auto it = inputs.find(name);
    if (it == inputs.end()) fail("input '{}' was not given", name);
    const Tensor& t = it->second;
    const Shape& shape = manifest_.shapes.at(name);
    if (t.dtype() != DType::kFloat32)
      fail("input '{}' must be float32, got {}", name, dtype_name(t.dtype()));
    if (t.shape() != shape)
      fail("input '{}' must have shape {}, got {}", name, shape_string(shape),
           shape_string(t.shape()));
    Slot& s = slot(name);
    std::memcpy(s.buffer.host, t.bytes().data(), t.bytes().size());
  }
  std::vector<void*> args;
  for (size_t i = 0; i < manifest_.stages.size(); ++i) {
    const StageEntry& stage = manifest_.stages[i];
    args.clear();
    for (const std::string& in : stage.inputs) {
      halide_buffer_t& b = slot(in).buffer;
      // Every input's host bytes are current (outputs are copied back after each stage), so the
      // device copy is refreshed from them: without the flag a device reads stale memory.
      if (gpu_) b.flags |= halide_buffer_flag_host_dirty;
      args.push_back(&b);
    }
    for (const std::string& out : stage.outputs) args.push_back(&slot(out).buffer);
    last_error.clear();
    if (int rc = functions_[i](args.data()); rc != 0)
      fail("halide stage {} ({}) failed with code {}: {}", i,
           stage.nodes.empty() ? "" : stage.nodes.front(), rc, last_error);
    if (gpu_)
      for (const std::string& out : stage.outputs) {
        halide_buffer_t& b = slot(out).buffer;
        if (int rc = copy_to_host_(nullptr, &b); rc != 0)
          fail("halide stage {}: copying '{}' back from the device failed: {}", i, out, last_error);
      }
  }
  TensorMap outputs;
  for (const std::string& name : manifest_.outputs) {
    const Shape& shape = manifest_.shapes.at(name);
    Tensor t(DType::kFloat32, shape);
    std::memcpy(t.mutable_bytes().data(), slot(name).buffer.host, t.bytes().size());
    outputs.emplace(name, std::move(t));
  }
  return outputs;
}

}  // namespace nnd::backends::halide
