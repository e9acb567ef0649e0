#pragma once
// The model card: a TOML file beside the model (`model.onnx` -> `model.toml`) that says how to
// turn an image into the model's input tensor and how to read its output (zoo/*.toml are
// examples). Every key is checked: an unknown key, a missing required key or a value of the wrong
// type is a UserError naming the card file and the key.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"

namespace nnd::data {

enum class Layout { kNCHW, kNHWC };
enum class ChannelOrder { kRGB, kBGR };

struct ModelCard {
  std::string path;  // the card file, for messages
  std::string name;
  std::string family;       // optional
  std::string description;  // optional
  std::string input;        // the ONNX input name
  std::string output;       // the ONNX output name that holds the class scores
  Layout layout = Layout::kNCHW;
  int height = 0;
  int width = 0;
  int channels = 0;  // 1 or 3
  ChannelOrder channel_order = ChannelOrder::kRGB;
  int resize = 0;  // the shorter side is resized to this, then centre-cropped; default max(h, w)
  double scale = 1.0;
  std::vector<double> mean;  // one per channel (a single value in the file applies to all)
  std::vector<double> std;
  int label_offset = 0;  // index of labels[0] in the output vector
  std::vector<std::string> labels;
  // Optional: the PyTorch source model as TorchScript (framework `pytorch`), as written in the
  // card (relative paths are relative to the card's folder).
  std::string torchscript;
  // The optional [training] table: provenance, not used to run the model. Numbers and text are
  // kept apart; any key is allowed there because it records whatever the training script knew.
  std::map<std::string, double> training;
  std::map<std::string, std::string> training_text;
  // Made from the model itself (card_from_model): no preprocessing, and labels are the class
  // indices of the whole output (`labels` is empty).
  bool from_model = false;

  // [1,C,H,W] or [1,H,W,C].
  Shape input_shape() const;
  // `torchscript` resolved against the card's folder; empty when the card names none.
  std::string torchscript_path() const;
};

ModelCard parse_card(const std::string& toml_text, const std::string& path);
ModelCard load_card(const std::string& path);

// The card beside a model: same path with the extension replaced by .toml.
std::string card_path_for(const std::string& model_path);

// The stand-in for a model without a card, fed with prepared tensors (data/feeds.h): its first
// input and its first output (the class scores, labelled by index).
ModelCard card_from_model(const Model& model, const std::string& model_path);

// Checks that the card describes the model: the input exists, is float32 and has the card's
// shape (a symbolic batch dimension is accepted), and the output exists with at least
// label_offset + labels entries. A mismatch is a UserError naming both files.
void check_card_matches_model(const ModelCard& card, const Model& model,
                              const std::string& model_path);

}  // namespace nnd::data
