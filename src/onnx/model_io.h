#pragma once
// Loading and saving ONNX models. Loading runs libonnx's checker and shape inference first, so
// an invalid model is rejected with libonnx's reason before nndelta looks at it.
#include <string>
#include <vector>

#include "core/graph.h"

namespace nnd::onnx_io {

// Every failure (missing, empty, truncated or invalid file, unsupported element type, shape
// inference error) is a UserError whose message starts with the path.
Model load_model(const std::string& path);
Model model_from_bytes(const std::string& bytes, const std::string& source);

std::string model_to_bytes(const Model& model);
void save_model(const Model& model, const std::string& path);

// What a model file uses, read without checking it, to say what nndelta lacks before trying.
struct ModelSummary {
  std::vector<std::string> op_types;  // sorted, unique
  // Types of graph inputs, outputs and initializers nndelta cannot hold, e.g. "tensor(uint16)",
  // "sequence", "optional"; sorted, unique.
  std::vector<std::string> unsupported_types;
};
ModelSummary summarize_model_file(const std::string& path);

}  // namespace nnd::onnx_io
