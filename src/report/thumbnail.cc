#include "report/thumbnail.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/tensor.h"

namespace nnd::report {

namespace {

cv::Mat image_mat(const data::Image& image) {
  const int type = image.channels == 3 ? CV_8UC3 : CV_8UC1;
  return cv::Mat(image.height, image.width, type, const_cast<uint8_t*>(image.pixels.data()))
      .clone();
}

// A preprocessed input (npy datasets) drawn as an image: its last two dimensions are height and
// width, a third-last of 1 or 3 is the channels (NCHW), values stretched to 0-255.
cv::Mat tensor_mat(const Tensor& input, std::string& why) {
  const int64_t rank = input.rank();
  if (rank < 2) {
    why = fmt::format("an input of shape {} is not an image", shape_string(input.shape()));
    return {};
  }
  const int64_t height = input.dim(-2), width = input.dim(-1);
  const int64_t channels = rank >= 3 && input.dim(-3) == 3 ? 3 : 1;
  if (height <= 0 || width <= 0 || height * width * channels > input.size()) {
    why = fmt::format("an input of shape {} is not an image", shape_string(input.shape()));
    return {};
  }
  const std::vector<float> values = input.to_floats();
  const size_t plane = static_cast<size_t>(height * width);
  float low = INFINITY, high = -INFINITY;
  for (size_t i = 0; i < plane * channels; ++i)
    if (std::isfinite(values[i])) low = std::min(low, values[i]), high = std::max(high, values[i]);
  const float span = high > low ? high - low : 1;
  cv::Mat mat(static_cast<int>(height), static_cast<int>(width), channels == 3 ? CV_8UC3 : CV_8UC1);
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x)
      for (int64_t c = 0; c < channels; ++c) {
        const float v = values[c * plane + y * width + x];
        const float scaled = std::isfinite(v) ? (v - low) / span * 255.0f : 0.0f;
        // Channels are assumed RGB, as models take them; OpenCV writes BGR.
        mat.ptr<uint8_t>(static_cast<int>(y))[x * channels + (channels == 3 ? 2 - c : 0)] =
            static_cast<uint8_t>(std::lround(std::clamp(scaled, 0.0f, 255.0f)));
      }
  return mat;
}

}  // namespace

std::string base64(const std::string& bytes) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t group = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) group |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) group |= static_cast<uint8_t>(bytes[i + 2]);
    out += kDigits[(group >> 18) & 63];
    out += kDigits[(group >> 12) & 63];
    out += i + 1 < bytes.size() ? kDigits[(group >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kDigits[group & 63] : '=';
  }
  return out;
}

Thumbnail Thumbnails::of(const std::string& dataset_key) {
  Thumbnail thumbnail;
  cv::Mat mat;
  try {
    const data::Item item = items_.item(dataset_key);
    if (!item.readable()) {
      thumbnail.error = item.error;
    } else if (item.image) {
      mat = image_mat(*item.image);
    } else if (item.input) {
      mat = tensor_mat(*item.input, thumbnail.error);
    } else {
      thumbnail.error = "the dataset gives no picture for this item";
    }
  } catch (const UserError& e) {
    thumbnail.error = e.what();
  }
  if (mat.empty()) {
    if (thumbnail.error.empty()) thumbnail.error = "empty image";
    return thumbnail;
  }
  const int longest = std::max(mat.rows, mat.cols);
  cv::Mat resized;
  if (longest < target_px_) {
    const int factor = std::max(1, target_px_ / longest);  // whole pixels: no smoothing
    cv::resize(mat, resized, {}, factor, factor, cv::INTER_NEAREST);
  } else {
    const double factor = static_cast<double>(target_px_) / longest;
    cv::resize(mat, resized, {}, factor, factor, cv::INTER_AREA);
  }
  std::vector<uchar> png;
  if (!cv::imencode(".png", resized, png)) {
    thumbnail.error = "OpenCV could not encode the image as PNG";
    return thumbnail;
  }
  thumbnail.data_uri = "data:image/png;base64," + base64(std::string(png.begin(), png.end()));
  return thumbnail;
}

}  // namespace nnd::report
