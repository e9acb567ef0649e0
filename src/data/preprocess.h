#pragma once
// Turns a decoded image into the model's input tensor as its card says:
//   grayscale <-> 3 channels as the card needs (BGR->gray uses OpenCV's ITU-R 601 weights)
//   -> resize the shorter side to card.resize (area averaging when shrinking, bilinear when
//      enlarging; skipped when already that size) -> centre crop to height x width
//   -> channel order (decoded images are BGR) -> x * scale -> (x - mean[c]) / std[c]
//   -> layout: a float32 tensor [1,C,H,W] or [1,H,W,C].
// The arithmetic is done in float32, in that order, as PyTorch's usual transforms do it.
#include "core/tensor.h"
#include "data/card.h"
#include "data/image.h"

namespace nnd::data {

// A fault in the pipeline above, as input mutants inject it (src/mutate/input): the card is read
// correctly and one step goes wrong the way real pipelines get it wrong.
enum class InputFault {
  kNone,
  kSwapChannels,     // the channel order opposite to the card's (RGB fed as BGR)
  kNoNormalization,  // x * scale only: mean and std never applied
  kLayoutConfusion,  // values written in the other layout (NHWC for an NCHW card), same shape
  kSwapHw,           // the crop taken W rows by H columns and fed transposed
};

Tensor preprocess(const Image& image, const ModelCard& card, InputFault fault = InputFault::kNone);

}  // namespace nnd::data
