// The zip reading follows the central directory (the local headers numpy writes carry zip64
// extras and, with savez_compressed, may leave sizes to a data descriptor).
#include "data/npz.h"

#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "data/npy_bytes.h"

namespace nnd::data {

namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;

class Reader {
 public:
  Reader(const std::string& bytes, const std::string& path) : bytes_(bytes), path_(path) {}
  uint64_t le(size_t at, int width) const {
    if (at + width > bytes_.size()) fail("{}: not a .npz archive (zip data cut short)", path_);
    uint64_t v = 0;
    for (int i = width - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(bytes_[at + i]);
    return v;
  }
  std::string text(size_t at, size_t length) const {
    if (at + length > bytes_.size()) fail("{}: not a .npz archive (zip data cut short)", path_);
    return bytes_.substr(at, length);
  }

 private:
  const std::string& bytes_;
  const std::string& path_;
};

std::string inflate_raw(std::string_view in, size_t size, const std::string& source) {
  std::string out(size, '\0');
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) fail("{}: zlib cannot start inflating", source);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int status = inflate(&z, Z_FINISH);
  const size_t produced = z.total_out;
  inflateEnd(&z);
  if (status != Z_STREAM_END || produced != size)
    fail("{}: deflated data is corrupt (zlib status {})", source, status);
  return out;
}

}  // namespace

std::map<std::string, Tensor> read_npz(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail("{}: no such file", path);
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  Reader r(bytes, path);
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
  size_t end = std::string::npos;
  for (size_t at = bytes.size() >= 22 ? bytes.size() - 22 : 0;; --at) {
    if (bytes.size() >= 22 && r.le(at, 4) == kEndOfDirectory) {
      end = at;
      break;
    }
    if (at == 0 || bytes.size() - at > 65557) break;
  }
  if (end == std::string::npos) fail("{}: not a .npz archive (no zip directory)", path);
  uint64_t entries = r.le(end + 10, 2);
  uint64_t directory = r.le(end + 16, 4);
  if ((entries == 0xffff || directory == 0xffffffff) && end >= 20 &&
      r.le(end - 20, 4) == kZip64Locator) {
    const uint64_t record = r.le(end - 20 + 8, 8);
    if (r.le(record, 4) != kZip64EndOfDirectory) fail("{}: corrupt zip64 directory", path);
    entries = r.le(record + 32, 8);
    directory = r.le(record + 48, 8);
  }
  std::map<std::string, Tensor> arrays;
  size_t at = directory;
  for (uint64_t e = 0; e < entries; ++e) {
    if (r.le(at, 4) != kDirectoryEntry) fail("{}: corrupt zip directory", path);
    const uint64_t method = r.le(at + 10, 2);
    uint64_t packed = r.le(at + 20, 4), size = r.le(at + 24, 4);
    const size_t name_length = r.le(at + 28, 2), extra_length = r.le(at + 30, 2),
                 comment_length = r.le(at + 32, 2);
    uint64_t offset = r.le(at + 42, 4);
    const std::string name = r.text(at + 46, name_length);
    // A zip64 extra field holds, in order, whichever of these the entry marked 0xffffffff.
    for (size_t x = at + 46 + name_length; x + 4 <= at + 46 + name_length + extra_length;) {
      const uint64_t id = r.le(x, 2), length = r.le(x + 2, 2);
      if (id == 1) {
        size_t field = x + 4;
        if (size == 0xffffffff) size = r.le(field, 8), field += 8;
        if (packed == 0xffffffff) packed = r.le(field, 8), field += 8;
        if (offset == 0xffffffff) offset = r.le(field, 8);
      }
      x += 4 + length;
    }
    at += 46 + name_length + extra_length + comment_length;
    const std::string source = path + ":" + name;
    if (r.le(offset, 4) != kLocalHeader) fail("{}: corrupt zip member header", source);
    const size_t data = offset + 30 + r.le(offset + 26, 2) + r.le(offset + 28, 2);
    const std::string stored = r.text(data, packed);
    std::string npy;
    if (method == 0)
      npy = stored;
    else if (method == 8)
      npy = inflate_raw(stored, size, source);
    else
      fail("{}: zip compression method {} is not supported (stored or deflate)", source, method);
    std::string key = name;
    if (key.ends_with(".npy")) key.resize(key.size() - 4);
    arrays.emplace(key, parse_npy(npy, source));
  }
  return arrays;
}

void write_npz(const std::map<std::string, Tensor>& arrays, const std::string& path) {
  std::string out, directory;
  auto put = [](std::string& s, uint64_t v, int width) {
    for (int i = 0; i < width; ++i) s += static_cast<char>(v >> (8 * i) & 0xff);
  };
  for (const auto& [name, tensor] : arrays) {
    const std::string member = name + ".npy";
    const std::string data = npy_bytes(tensor);
    const uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    const size_t offset = out.size();
    auto header = [&](std::string& s, bool central) {
      put(s, central ? kDirectoryEntry : kLocalHeader, 4);
      if (central) put(s, 20, 2);  // made by
      put(s, 20, 2);               // version needed
      put(s, 0, 2);                // flags
      put(s, 0, 2);                // stored
      put(s, 0, 4);                // time, date
      put(s, crc, 4);
      put(s, data.size(), 4);
      put(s, data.size(), 4);
      put(s, member.size(), 2);
      put(s, 0, 2);  // extra
      if (central) {
        put(s, 0, 2);  // comment
        put(s, 0, 2);  // disk
        put(s, 0, 2);  // internal attributes
        put(s, 0, 4);  // external attributes
        put(s, offset, 4);
      }
      s += member;
    };
    header(out, false);
    out += data;
    header(directory, true);
  }
  const size_t directory_offset = out.size();
  out += directory;
  put(out, kEndOfDirectory, 4);
  put(out, 0, 4);
  put(out, arrays.size(), 2);
  put(out, arrays.size(), 2);
  put(out, directory.size(), 4);
  put(out, directory_offset, 4);
  put(out, 0, 2);
  std::ofstream file(path, std::ios::binary);
  if (!(file << out)) fail("{}: cannot write file", path);
}

}  // namespace nnd::data
