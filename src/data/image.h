#pragma once
// A decoded 8-bit image, independent of OpenCV in its interface so that callers and tests need
// not include OpenCV. Pixels are interleaved rows (HWC); 3-channel images are in BGR order, as
// OpenCV decodes them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nnd::data {

struct Image {
  int height = 0;
  int width = 0;
  int channels = 0;  // 1 (grayscale) or 3 (BGR)
  std::vector<uint8_t> pixels;

  uint8_t at(int y, int x, int c) const {
    return pixels[(static_cast<size_t>(y) * width + x) * channels + c];
  }
};

// Decodes a JPEG/PNG/BMP (anything OpenCV reads) as 8-bit grayscale or BGR; an alpha channel is
// dropped and 16-bit samples are scaled to 8 bits. On failure returns nullopt and sets `why` to
// the reason (missing file, not readable, not a decodable image).
std::optional<Image> read_image(const std::string& path, std::string& why);

// Encodes by the file's extension (.png, .bmp, .jpg); a failure is a UserError naming the file.
void write_image(const Image& image, const std::string& path);

}  // namespace nnd::data
