#pragma once
// Inputs given as prepared tensors, for any ONNX model, with or without a card: the model says
// which inputs it reads and their types and shapes; a dimension it leaves symbolic takes the
// tensor's, or `--shape NAME:1x3x224x224`. Spelled as datasets are (data/dataset.h):
//   npy:FILE.npy        one array for a model with one input: N x (input shape) is N inputs, and
//                       an array of the input's rank whose first (batch) dim the model leaves at
//                       1 or symbolic is N inputs of batch 1; labels from FILE.npy.labels
//   npz:FILE.npz        one array per input name, each read as npy: is (np.savez or
//                       np.savez_compressed); an archive of one array feeds a one-input model
//   pb:DIR              ONNX TensorProto files: DIR/*.pb is one input set (only input_*.pb when
//                       there are such, as in ONNX's test data), or each sub-folder of DIR holding
//                       .pb files (test_data_set_0, ...) is one; tensors are matched to inputs by
//                       their names, or in file order when unnamed
//   random:N            N input sets drawn from a normal distribution (integers uniform in 0..9,
//                       booleans fair), `,seed=S` (default 0)
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"
#include "data/dataset.h"

namespace nnd::data {

// An input the model reads: its type and shape; -1 for a dimension the model leaves symbolic
// and --shape does not give.
struct InputSpec {
  std::string name;
  DType dtype = DType::kFloat32;
  Shape shape;
};

// `--shape NAME:1x3x224x224` values by input name; a malformed one is a UserError quoting it.
using ShapeOverrides = std::map<std::string, Shape>;
ShapeOverrides parse_shapes(const std::vector<std::string>& texts);

// The model's inputs with --shape applied. A --shape for an input the model does not have, of
// another rank, or that disagrees with a static dimension is a UserError naming the input.
std::vector<InputSpec> model_inputs(const Model& model, const ShapeOverrides& shapes,
                                    const std::string& model_path);

// One set of inputs for the model.
struct Feed {
  std::string key;  // "npz:FILE#3", "pb:DIR/test_data_set_0", "random:seed=0#2"
  TensorMap inputs;
  std::optional<Label> label;  // from npy:FILE.labels
};

// Whether the spec is one of the kinds above (npy is both a dataset and a feed).
bool is_feed_spec(const DatasetSpec& spec);

// Reads every input set of the spec (limit=N keeps the first N). A missing input, a tensor of
// another type, a shape that does not fit the model, or a symbolic dimension that random: cannot
// choose is a UserError naming the file and the input.
std::vector<Feed> read_feeds(const DatasetSpec& spec, const std::vector<InputSpec>& inputs);

}  // namespace nnd::data
