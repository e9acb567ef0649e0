// run_model: runs a model that nndelta compiled with Halide (`nndelta compile --bundle DIR`) on
// a machine that has none of nndelta's libraries: g++ and, for CUDA, the NVIDIA driver. It reads
// model.plan and constants.bin, runs every raw float32 input in inputs/ through the stages, and
// writes each input's graph outputs (float32, concatenated in plan order) to outputs/ and its
// latency to latency.txt. `nndelta compare-raw` checks the outputs against the ref framework.
//
//   ./run_model [BUNDLE_DIR]          (default: the current folder)
#include <HalideRuntime.h>
#include <dirent.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using StageFn = int (*)(void**);
struct StageEntry {
  const char* function;
  StageFn fn;
};
extern const StageEntry kStages[];
extern const int kStageCount;

namespace {

std::string last_error;
extern "C" void record_error(void*, const char* message) { last_error = message; }

// Halide assumes buffers are aligned like its own allocations (aligned vector loads and stores).
float* aligned_floats(size_t count) {
  const size_t bytes = (count * sizeof(float) + 127) / 128 * 128 + 128;
  auto* p = static_cast<float*>(std::aligned_alloc(128, bytes));
  if (!p) std::abort();
  std::memset(p, 0, bytes);
  return p;
}

struct Slot {
  float* storage = nullptr;  // owned when set; never freed (the process ends)
  std::vector<halide_dimension_t> dims;
  halide_buffer_t buffer{};
};

struct Stage {
  std::string function;
  std::vector<std::string> inputs, outputs;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "run_model: %s\n", message.c_str());
  std::exit(2);
}

void bind_buffer(Slot& s, float* data, const std::vector<int64_t>& shape) {
  const int rank = static_cast<int>(shape.size());
  s.dims.assign(rank, halide_dimension_t{});
  int32_t stride = 1;
  for (int d = 0; d < rank; ++d) {
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

int64_t count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  // Halide 14's CUDA runtime dlopens "libcuda.so", which only a CUDA toolkit provides; a machine
  // with just the driver has libcuda.so.1. Loaded globally first, it is the one the runtime finds.
  dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  halide_set_error_handler(record_error);
  halide_set_num_threads(1);

  std::ifstream plan_file(dir + "/model.plan");
  if (!plan_file) die(dir + "/model.plan: cannot open");
  std::map<std::string, std::vector<int64_t>> shapes;
  std::map<std::string, std::string> views;
  std::map<std::string, int64_t> constant_at;
  std::vector<std::string> inputs, outputs;
  std::vector<Stage> stages;
  bool gpu = false;
  for (std::string line; std::getline(plan_file, line);) {
    std::istringstream words(line);
    std::string kind, name;
    words >> kind >> name;
    if (kind == "gpu") gpu = name == "1";
    if (kind == "value" || kind == "input" || kind == "output" || kind == "constant" ||
        kind == "view") {
      std::string extra;
      if (kind == "constant" || kind == "view") words >> extra;
      std::vector<int64_t> shape;
      for (int64_t d; words >> d;) shape.push_back(d);
      if (kind != "output") shapes[name] = shape;
      if (kind == "input") inputs.push_back(name);
      if (kind == "output") outputs.push_back(name);
      if (kind == "constant") constant_at[name] = std::stoll(extra);
      if (kind == "view") views[name] = extra;
    }
    if (kind == "stage") {
      Stage s{name, {}, {}};
      bool after_arrow = false;
      for (std::string w; words >> w;) {
        if (w == "->")
          after_arrow = true;
        else
          (after_arrow ? s.outputs : s.inputs).push_back(w);
      }
      stages.push_back(s);
    }
  }
  if (static_cast<int>(stages.size()) != kStageCount)
    die("model.plan and the library disagree on the stages");

  std::ifstream cfile(dir + "/constants.bin", std::ios::binary | std::ios::ate);
  const size_t constant_count = static_cast<size_t>(cfile.tellg()) / sizeof(float);
  float* constants = aligned_floats(constant_count);
  cfile.seekg(0);
  cfile.read(reinterpret_cast<char*>(constants),
             static_cast<std::streamsize>(constant_count * sizeof(float)));

  std::map<std::string, std::unique_ptr<Slot>> slots;
  std::function<Slot&(const std::string&)> slot = [&](const std::string& name) -> Slot& {
    auto it = slots.find(name);
    if (it != slots.end()) return *it->second;
    auto s = std::make_unique<Slot>();
    if (constant_at.count(name)) {
      bind_buffer(*s, constants + constant_at[name] / 4, shapes[name]);
    } else if (views.count(name)) {
      bind_buffer(*s, reinterpret_cast<float*>(slot(views[name]).buffer.host), shapes[name]);
    } else {
      s->storage = aligned_floats(static_cast<size_t>(count(shapes[name])));
      bind_buffer(*s, s->storage, shapes[name]);
    }
    return *slots.emplace(name, std::move(s)).first->second;
  };

  std::vector<std::string> files;
  if (DIR* d = opendir((dir + "/inputs").c_str())) {
    while (dirent* e = readdir(d))
      if (std::strstr(e->d_name, ".bin")) files.push_back(e->d_name);
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) die(dir + "/inputs/ has no .bin files");
  std::system(("mkdir -p '" + dir + "/outputs'").c_str());
  std::ofstream latency(dir + "/latency.txt");
  for (const std::string& file : files) {
    std::ifstream in(dir + "/inputs/" + file, std::ios::binary);
    for (const std::string& name : inputs) {
      Slot& s = slot(name);
      in.read(reinterpret_cast<char*>(s.buffer.host), count(shapes[name]) * 4);
      if (!in) die(dir + "/inputs/" + file + ": shorter than the model's inputs");
    }
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < stages.size(); ++i) {
      std::vector<void*> args;
      for (const std::string& n : stages[i].inputs) {
        halide_buffer_t& b = slot(n).buffer;
        if (gpu) b.flags |= halide_buffer_flag_host_dirty;  // else the device reads stale memory
        args.push_back(&b);
      }
      for (const std::string& n : stages[i].outputs) args.push_back(&slot(n).buffer);
      if (kStages[i].fn(args.data()) != 0)
        die("stage " + stages[i].function + " failed: " + last_error);
      if (gpu)
        for (const std::string& n : stages[i].outputs)
          if (halide_copy_to_host(nullptr, &slot(n).buffer) != 0)
            die("copy to host failed: " + last_error);
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    latency << file << " " << ms << "\n";
    std::ofstream out(dir + "/outputs/" + file, std::ios::binary);
    for (const std::string& name : outputs)
      out.write(reinterpret_cast<const char*>(slot(name).buffer.host), count(shapes[name]) * 4);
  }
  std::printf("run_model: %zu inputs done; outputs in %s/outputs, latencies in %s/latency.txt\n",
              files.size(), dir.c_str(), dir.c_str());
  return 0;
}
