#include "mutate/input/input_faults.h"

#include <fmt/format.h>

#include <cstring>
#include <random>

namespace nnd::mutate::input {

data::InputFault fault_of(Operator op) {
  switch (op) {
    case Operator::kInputSwapChannels:
      return data::InputFault::kSwapChannels;
    case Operator::kInputNoNormalization:
      return data::InputFault::kNoNormalization;
    case Operator::kInputLayoutConfusion:
      return data::InputFault::kLayoutConfusion;
    case Operator::kInputSwapHw:
      return data::InputFault::kSwapHw;
    default:
      return data::InputFault::kNone;
  }
}

std::vector<Site> input_sites(const data::ModelCard& card, Operator op) {
  Site site;
  site.where = "preprocessing (" + card.path + ")";
  switch (op) {
    case Operator::kInputSwapChannels:
      if (card.channels != 3)
        site.not_applicable =
            fmt::format("the card has {} channel: no order to swap", card.channels);
      break;
    case Operator::kInputNoNormalization: {
      bool identity = true;
      for (size_t c = 0; c < card.mean.size(); ++c)
        identity &= card.mean[c] == 0 && card.std[c] == 1;
      if (identity) site.not_applicable = "the card's mean is 0 and std 1: nothing to leave out";
      break;
    }
    case Operator::kInputSwapHw:
      if (card.height != card.width && card.resize < std::max(card.height, card.width))
        site.not_applicable =
            "the card's resize is below its larger side: a W x H crop does not fit";
      break;
    default:
      break;
  }
  if (site.applicable() && probe_changed_elements(card, fault_of(op)) == 0)
    site.not_applicable =
        card.channels == 1 && op == Operator::kInputLayoutConfusion
            ? "with one channel NCHW and NHWC hold the same bytes: the input does not change"
            : "the input tensor does not change on a probe image";
  return {site};
}

int64_t probe_changed_elements(const data::ModelCard& card, data::InputFault fault) {
  data::Image probe;
  probe.height = 2 * card.height;
  probe.width = 2 * card.width;
  probe.channels = card.channels;
  probe.pixels.resize(static_cast<size_t>(probe.height) * probe.width * probe.channels);
  std::mt19937 rng(20261205);
  for (uint8_t& p : probe.pixels) p = static_cast<uint8_t>(rng() & 0xff);
  const Tensor a = data::preprocess(probe, card), b = data::preprocess(probe, card, fault);
  int64_t changed = 0;
  const float *x = a.data<float>(), *y = b.data<float>();
  for (int64_t i = 0; i < a.size(); ++i) changed += std::memcmp(x + i, y + i, sizeof(float)) != 0;
  return changed;
}

std::string describe(const data::ModelCard& card, Operator op) {
  const std::string order = card.channel_order == data::ChannelOrder::kRGB ? "RGB" : "BGR";
  const std::string other = card.channel_order == data::ChannelOrder::kRGB ? "BGR" : "RGB";
  const std::string layout = card.layout == data::Layout::kNCHW ? "NCHW" : "NHWC";
  const std::string swapped = card.layout == data::Layout::kNCHW ? "NHWC" : "NCHW";
  switch (op) {
    case Operator::kInputSwapChannels:
      return fmt::format("- channel order {}\n+ channel order {}\n", order, other);
    case Operator::kInputNoNormalization:
      return fmt::format("- (x * {} - mean[{}]) / std[{}]\n+ x * {}\n", card.scale,
                         fmt::join(card.mean, ","), fmt::join(card.std, ","), card.scale);
    case Operator::kInputLayoutConfusion:
      return fmt::format("- values in {} order, shape {}\n+ values in {} order, shape {}\n", layout,
                         shape_string(card.input_shape()), swapped,
                         shape_string(card.input_shape()));
    case Operator::kInputSwapHw:
      return fmt::format(
          "- centre crop {} rows x {} columns, pixel (y, x) at (y, x)\n"
          "+ centre crop {} rows x {} columns, pixel (y, x) read at (x, y)\n",
          card.height, card.width, card.width, card.height);
    default:
      return {};
  }
}

}  // namespace nnd::mutate::input
