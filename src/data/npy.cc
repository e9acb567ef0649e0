#include "data/npy.h"

#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <regex>

#include "core/error.h"

namespace nnd::data {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

static_assert(std::endian::native == std::endian::little, "npy reading assumes little endian");

// The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False,
// 'shape': (10, 1, 28, 28), }. Each key's value is taken with a small regex.
std::string dict_value(const std::string& header, const std::string& key, const std::string& path) {
  std::smatch m;
  std::regex value_of("'" + key + "'\\s*:\\s*('[^']*'|True|False|\\([^)]*\\))");
  if (!std::regex_search(header, m, value_of))
    fail("{}: npy header has no '{}' entry: {}", path, key, header);
  return m[1].str();
}

Shape parse_shape(const std::string& tuple, const std::string& path) {
  Shape shape;
  std::string_view s(tuple);
  s = s.substr(1, s.size() - 2);  // drop the parentheses
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    std::string_view item =
        s.substr(start, comma == std::string_view::npos ? s.npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == 'L')) item.remove_suffix(1);
    if (!item.empty()) {
      int64_t d = 0;
      auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), d);
      if (ec != std::errc() || end != item.data() + item.size() || d < 0)
        fail("{}: npy shape {} has a bad dimension '{}'", path, tuple, item);
      shape.push_back(d);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return shape;
}

}  // namespace

NpyFile::NpyFile(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path_, ec)) fail("{}: no such file", path_);
  in_.open(path_, std::ios::binary);
  if (!in_) fail("{}: cannot open file", path_);
  std::array<char, 10> lead{};
  in_.read(lead.data(), lead.size());
  if (in_.gcount() != static_cast<std::streamsize>(lead.size()) ||
      std::string_view(lead.data(), kMagic.size()) != kMagic)
    fail("{}: not a NumPy .npy file (bad magic)", path_);
  const int major = static_cast<unsigned char>(lead[6]);
  uint32_t header_length = 0;
  std::streamoff lead_size = 10;
  if (major == 1) {
    header_length = static_cast<unsigned char>(lead[8]) | static_cast<unsigned char>(lead[9]) << 8;
  } else if (major == 2 || major == 3) {
    std::array<char, 2> more{};
    in_.read(more.data(), more.size());
    header_length = static_cast<uint32_t>(static_cast<unsigned char>(lead[8])) |
                    static_cast<uint32_t>(static_cast<unsigned char>(lead[9])) << 8 |
                    static_cast<uint32_t>(static_cast<unsigned char>(more[0])) << 16 |
                    static_cast<uint32_t>(static_cast<unsigned char>(more[1])) << 24;
    lead_size = 12;
  } else {
    fail("{}: npy format version {} is not supported (1, 2 or 3)", path_, major);
  }
  if (header_length > (1u << 20))
    fail("{}: npy header of {} bytes is implausible", path_, header_length);
  std::string header(header_length, '\0');
  in_.read(header.data(), header_length);
  if (in_.gcount() != static_cast<std::streamsize>(header_length))
    fail("{}: npy header cut short", path_);
  std::string descr = dict_value(header, "descr", path_);
  if (descr != "'<f4'")
    fail("{}: npy dtype {} is not supported (float32, '<f4', only)", path_, descr);
  if (dict_value(header, "fortran_order", path_) != "False")
    fail("{}: npy array is in Fortran order; save it in C order", path_);
  shape_ = parse_shape(dict_value(header, "shape", path_), path_);
  if (shape_.empty()) fail("{}: npy array is a scalar; expected rows of model inputs", path_);
  data_offset_ = lead_size + header_length;
  const auto file_size = static_cast<std::streamoff>(std::filesystem::file_size(path_));
  const std::streamoff expected = data_offset_ + element_count(shape_) * 4;
  if (file_size != expected)
    fail("{}: npy shape {} needs {} bytes of data, the file has {}", path_, shape_string(shape_),
         expected - data_offset_, file_size - data_offset_);
}

Tensor NpyFile::row(int64_t i) {
  NND_CHECK(i >= 0 && i < rows(), "row {} of {}", i, rows());
  Tensor t(DType::kFloat32, row_shape());
  const auto bytes = static_cast<std::streamsize>(t.size() * 4);
  in_.clear();
  in_.seekg(data_offset_ + i * bytes);
  in_.read(reinterpret_cast<char*>(t.mutable_bytes().data()), bytes);
  if (in_.gcount() != bytes) fail("{}: read error at row {}", path_, i);
  return t;
}

void write_npy(const Tensor& tensor, const std::string& path) {
  NND_CHECK(tensor.dtype() == DType::kFloat32, "write_npy takes float32, not {}",
            dtype_name(tensor.dtype()));
  std::string shape;
  for (int64_t d : tensor.shape()) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
  if (tensor.rank() == 1) shape += ",";  // (3,) is a tuple, (3) is not
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
  // Pad with spaces so that the data starts at a multiple of 64 bytes, ending with a newline.
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) fail("{}: cannot write file", path);
  out.write(kMagic.data(), static_cast<std::streamsize>(kMagic.size()));
  out.put(1);
  out.put(0);
  out.put(static_cast<char>(header.size() & 0xff));
  out.put(static_cast<char>(header.size() >> 8));
  out << header;
  out.write(reinterpret_cast<const char*>(tensor.bytes().data()),
            static_cast<std::streamsize>(tensor.bytes().size()));
  if (!out) fail("{}: write error", path);
}

}  // namespace nnd::data
