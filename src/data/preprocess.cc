#include "data/preprocess.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace nnd::data {

namespace {

cv::Mat as_mat(const Image& image) {
  return cv::Mat(image.height, image.width, CV_8UC(image.channels),
                 const_cast<uint8_t*>(image.pixels.data()));
}

cv::Mat match_channels(const cv::Mat& mat, int channels) {
  if (mat.channels() == channels) return mat;
  cv::Mat converted;
  cv::cvtColor(mat, converted, channels == 1 ? cv::COLOR_BGR2GRAY : cv::COLOR_GRAY2BGR);
  return converted;
}

cv::Mat resize_shorter_side(const cv::Mat& mat, int target) {
  const int shorter = std::min(mat.rows, mat.cols);
  if (shorter == target) return mat;
  // Keep the aspect ratio, rounding the longer side to the nearest pixel.
  auto scaled = [&](int side) {
    return static_cast<int>(std::lround(static_cast<double>(side) * target / shorter));
  };
  cv::Size size(mat.cols == shorter ? target : scaled(mat.cols),
                mat.rows == shorter ? target : scaled(mat.rows));
  cv::Mat resized;
  cv::resize(mat, resized, size, 0, 0, target < shorter ? cv::INTER_AREA : cv::INTER_LINEAR);
  return resized;
}

}  // namespace

Tensor preprocess(const Image& image, const ModelCard& card, InputFault fault) {
  NND_CHECK(image.height > 0 && image.width > 0 && (image.channels == 1 || image.channels == 3),
            "image {}x{}x{}", image.height, image.width, image.channels);
  cv::Mat mat = match_channels(as_mat(image), card.channels);
  mat = resize_shorter_side(mat, card.resize);
  // Rows come from the image's y and columns from its x; only the kSwapHw fault crosses them.
  const bool swap_hw = fault == InputFault::kSwapHw;
  const int crop_rows = swap_hw ? card.width : card.height;
  const int crop_cols = swap_hw ? card.height : card.width;
  const int top = (mat.rows - crop_rows) / 2;
  const int left = (mat.cols - crop_cols) / 2;
  NND_CHECK(top >= 0 && left >= 0, "crop {}x{} from {}x{}", crop_rows, crop_cols, mat.rows,
            mat.cols);
  cv::Mat crop = mat(cv::Rect(left, top, crop_cols, crop_rows));

  const int channels = card.channels;
  const bool swap_to_rgb = (channels == 3 && card.channel_order == ChannelOrder::kRGB) !=
                           (channels == 3 && fault == InputFault::kSwapChannels);
  const bool normalize = fault != InputFault::kNoNormalization;
  const bool nchw = (card.layout == Layout::kNCHW) != (fault == InputFault::kLayoutConfusion);
  const auto scale = static_cast<float>(card.scale);
  std::vector<float> mean(card.mean.begin(), card.mean.end());
  std::vector<float> std(card.std.begin(), card.std.end());
  Tensor tensor(DType::kFloat32, card.input_shape());
  float* out = tensor.data<float>();
  for (int y = 0; y < card.height; ++y) {
    for (int x = 0; x < card.width; ++x) {
      const uint8_t* pixel =
          swap_hw ? crop.ptr<uint8_t>(x) + y * channels : crop.ptr<uint8_t>(y) + x * channels;
      for (int c = 0; c < channels; ++c) {
        const int source = swap_to_rgb ? channels - 1 - c : c;
        const float scaled = static_cast<float>(pixel[source]) * scale;
        const float value = normalize ? (scaled - mean[c]) / std[c] : scaled;
        const size_t index = nchw ? (static_cast<size_t>(c) * card.height + y) * card.width + x
                                  : (static_cast<size_t>(y) * card.width + x) * channels + c;
        out[index] = value;
      }
    }
  }
  return tensor;
}

}  // namespace nnd::data
