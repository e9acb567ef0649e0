#pragma once
// What the compiler executable hands the halide backend: the shared library of a compiled model
// and how to run it. Every value is float32 and dense row-major; a view is another value's bytes
// under another shape (Reshape, Flatten, Squeeze, Unsqueeze, Identity compile to views).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace nnd::backends::halide {

struct StageEntry {
  std::string function;             // the AOT function's name in the library
  std::vector<std::string> inputs;  // its buffer arguments, in order, then the outputs
  std::vector<std::string> outputs;
  std::vector<std::string> nodes;  // the ONNX nodes it computes ("Conv 'c1'", ...)
  std::string schedule;            // how it was scheduled, in words
  std::string object_key;          // the cache key of its object (hash of its loop IR, target)
  double compile_ms = 0;           // 0 when the object came from the cache
};

struct ConstantEntry {
  int64_t offset = 0;  // in bytes, into the constants file
  Shape shape;
};

// A loop-level mutant as compiled (CompileOptions::mutation): the sites it changed, and whether
// the loop IR it made differs from the original's at all.
struct MutationEntry {
  std::string id;                  // "operator@position"; empty: no mutant compiled
  std::vector<std::string> where;  // the sites changed, as loop_sites writes them
  bool ir_changed = false;
};

struct Manifest {
  std::string library;         // absolute path of the .so
  std::string library_sha256;  // checked before dlopen
  std::string constants;       // absolute path of the constants file (float32, little-endian)
  std::string constants_sha256;
  std::string target;                                 // Halide's target string
  std::string options;                                // CompileOptions::key()
  std::vector<std::string> inputs;                    // graph inputs, in order
  std::vector<std::string> outputs;                   // graph outputs, in order
  std::map<std::string, Shape> shapes;                // every value's shape
  std::map<std::string, std::string> views;           // value -> the value whose bytes it shows
  std::map<std::string, ConstantEntry> constants_at;  // constant -> where its bytes are
  std::vector<StageEntry> stages;                     // in execution order
  // Per loop-level operator id, its sites in the original loop IR, in position order.
  std::map<std::string, std::vector<std::string>> loop_sites;
  MutationEntry mutation;
};

std::string manifest_to_json(const Manifest& manifest);
// A manifest that does not parse is a UserError naming `path`.
Manifest manifest_from_json(const std::string& text, const std::string& path);

}  // namespace nnd::backends::halide
