#include "data/image.h"

#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/error.h"

namespace nnd::data {

namespace {

// OpenCV prints codec warnings (libpng, libjpeg) to stderr; nndelta reports unreadable images
// itself, one line each.
void silence_opencv_logging() {
  static const bool once = [] {
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    return true;
  }();
  (void)once;
}

}  // namespace

std::optional<Image> read_image(const std::string& path, std::string& why) {
  silence_opencv_logging();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    why = "no such file";
    return std::nullopt;
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    why = "not a regular file";
    return std::nullopt;
  }
  if (!std::ifstream(path, std::ios::binary)) {
    why = "cannot open file";
    return std::nullopt;
  }
  cv::Mat mat;
  try {
    // ANYCOLOR keeps grayscale images single-channel and drops alpha; 8-bit depth is the default.
    mat = cv::imread(path, cv::IMREAD_ANYCOLOR);
  } catch (const cv::Exception& e) {
    why = "OpenCV could not decode it: " + e.msg;
    return std::nullopt;
  }
  if (mat.empty()) {
    // haveImageReader looks at the file's signature, not its extension.
    why = cv::haveImageReader(path) ? "corrupt or truncated image (OpenCV could not decode it)"
                                    : "not an image (no format OpenCV decodes starts like this)";
    return std::nullopt;
  }
  NND_CHECK(mat.depth() == CV_8U && (mat.channels() == 1 || mat.channels() == 3),
            "{}: imread gave depth {} with {} channels", path, mat.depth(), mat.channels());
  Image image{mat.rows, mat.cols, mat.channels(), {}};
  image.pixels.resize(static_cast<size_t>(mat.rows) * mat.cols * mat.channels());
  const size_t row_bytes = static_cast<size_t>(mat.cols) * mat.channels();
  for (int y = 0; y < mat.rows; ++y)
    std::copy_n(mat.ptr<uint8_t>(y), row_bytes, image.pixels.data() + y * row_bytes);
  return image;
}

void write_image(const Image& image, const std::string& path) {
  NND_CHECK(image.channels == 1 || image.channels == 3, "{} channels", image.channels);
  NND_CHECK(image.pixels.size() == static_cast<size_t>(image.height) * image.width * image.channels,
            "{} pixels for {}x{}x{}", image.pixels.size(), image.height, image.width,
            image.channels);
  cv::Mat mat(image.height, image.width, CV_8UC(image.channels),
              const_cast<uint8_t*>(image.pixels.data()));
  bool written = false;
  try {
    written = cv::imwrite(path, mat);
  } catch (const cv::Exception& e) {
    fail("{}: cannot write image: {}", path, e.msg);
  }
  if (!written) fail("{}: cannot write image", path);
}

}  // namespace nnd::data
