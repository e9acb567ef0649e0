#include "data/idx.h"

#include <zlib.h>

#include <array>
#include <filesystem>
#include <memory>

#include "core/error.h"

namespace nnd::data {

namespace {

constexpr int kUnsignedByteType = 0x08;

// zlib's gz* functions read gzip and plain files alike.
std::vector<uint8_t> read_all(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail("{}: no such file", path);
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), &gzclose);
  if (!file) fail("{}: cannot open file", path);
  std::vector<uint8_t> bytes;
  std::array<uint8_t, 1 << 16> buffer;
  for (;;) {
    int n = gzread(file.get(), buffer.data(), static_cast<unsigned>(buffer.size()));
    if (n < 0) break;  // the error is reported below
    if (n == 0) break;
    bytes.insert(bytes.end(), buffer.begin(), buffer.begin() + n);
  }
  // A gzip stream cut short reads as a clean end of file; zlib notes it as Z_BUF_ERROR.
  int code = 0;
  std::string message = gzerror(file.get(), &code);
  if (message.starts_with(path + ": ")) message.erase(0, path.size() + 2);  // zlib names the file
  if (code == Z_BUF_ERROR) fail("{}: gzip data cut short ({})", path, message);
  if (code != Z_OK) fail("{}: corrupt gzip data ({})", path, message);
  return bytes;
}

uint32_t big_endian_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  std::vector<uint8_t> bytes = read_all(path);
  if (bytes.size() < 4)
    fail("{}: not an IDX file ({} bytes, shorter than the header)", path, bytes.size());
  if (bytes[0] != 0 || bytes[1] != 0)
    fail("{}: not an IDX file (magic {:02x}{:02x}{:02x}{:02x}, expected 0000TTNN)", path, bytes[0],
         bytes[1], bytes[2], bytes[3]);
  if (bytes[2] != kUnsignedByteType)
    fail("{}: IDX element type 0x{:02x} is not supported (only unsigned bytes, 0x08)", path,
         bytes[2]);
  const size_t rank = bytes[3];
  if (rank == 0) fail("{}: IDX header declares 0 dimensions", path);
  const size_t header = 4 + 4 * rank;
  if (bytes.size() < header)
    fail("{}: IDX header cut short ({} bytes, the {} dimensions need {})", path, bytes.size(), rank,
         header);
  IdxArray array;
  uint64_t count = 1;
  for (size_t i = 0; i < rank; ++i) {
    array.dims.push_back(big_endian_u32(&bytes[4 + 4 * i]));
    count *= static_cast<uint64_t>(array.dims.back());
    if (count > (uint64_t{1} << 40)) fail("{}: IDX dimensions are implausibly large", path);
  }
  const uint64_t data = bytes.size() - header;
  if (data != count)
    fail("{}: IDX header promises {} bytes of data, the file has {}", path, count, data);
  array.values.assign(bytes.begin() + static_cast<long>(header), bytes.end());
  return array;
}

}  // namespace nnd::data
