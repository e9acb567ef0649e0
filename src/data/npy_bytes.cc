#include "data/npy_bytes.h"

#include <bit>
#include <charconv>
#include <cstring>
#include <regex>

#include "core/error.h"

namespace nnd::data {

namespace {

static_assert(std::endian::native == std::endian::little, "npy reading assumes little endian");

constexpr std::string_view kMagic = "\x93NUMPY";

struct Descr {
  const char* text;
  DType dtype;
};
// NumPy writes one-byte types with '|' and, on some platforms, with '<' or '='.
constexpr Descr kDescrs[] = {
    {"<f4", DType::kFloat32}, {"<f8", DType::kFloat64}, {"<f2", DType::kFloat16},
    {"<i8", DType::kInt64},   {"<i4", DType::kInt32},   {"<i2", DType::kInt16},
    {"|i1", DType::kInt8},    {"|u1", DType::kUInt8},   {"|b1", DType::kBool}};

std::string dict_value(const std::string& header, const std::string& key,
                       const std::string& source) {
  std::smatch m;
  std::regex value_of("'" + key + "'\\s*:\\s*('[^']*'|True|False|\\([^)]*\\))");
  if (!std::regex_search(header, m, value_of))
    fail("{}: npy header has no '{}' entry: {}", source, key, header);
  return m[1].str();
}

Shape parse_shape(const std::string& tuple, const std::string& source) {
  Shape shape;
  std::string inner = tuple.substr(1, tuple.size() - 2);
  size_t start = 0;
  while (start <= inner.size()) {
    size_t comma = inner.find(',', start);
    std::string item = inner.substr(start, comma == std::string::npos ? inner.npos : comma - start);
    item.erase(0, item.find_first_not_of(" L"));
    item.erase(item.find_last_not_of(" L") + 1);
    if (!item.empty()) {
      int64_t d = 0;
      auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), d);
      if (ec != std::errc() || end != item.data() + item.size() || d < 0)
        fail("{}: npy shape {} has a bad dimension '{}'", source, tuple, item);
      shape.push_back(d);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return shape;
}

}  // namespace

Tensor parse_npy(std::string_view bytes, const std::string& source) {
  if (bytes.size() < 10 || bytes.substr(0, kMagic.size()) != kMagic)
    fail("{}: not a NumPy .npy array (bad magic)", source);
  const int major = static_cast<unsigned char>(bytes[6]);
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])); };
  size_t lead = 10;
  uint32_t header_length = 0;
  if (major == 1) {
    header_length = byte(8) | byte(9) << 8;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail("{}: npy header cut short", source);
    header_length = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
    lead = 12;
  } else {
    fail("{}: npy format version {} is not supported (1, 2 or 3)", source, major);
  }
  if (bytes.size() < lead + header_length) fail("{}: npy header cut short", source);
  const std::string header(bytes.substr(lead, header_length));
  std::string descr = dict_value(header, "descr", source);
  descr = descr.substr(1, descr.size() - 2);
  if (descr.size() == 3 && (descr[0] == '=' || descr[0] == '<') && descr[2] == '1') descr[0] = '|';
  const Descr* found = nullptr;
  for (const Descr& d : kDescrs)
    if (descr == d.text) found = &d;
  if (!found)
    fail("{}: npy dtype '{}' is not supported (<f4 <f8 <f2 <i8 <i4 <i2 |i1 |u1 |b1)", source,
         descr);
  if (dict_value(header, "fortran_order", source) != "False")
    fail("{}: npy array is in Fortran order; save it in C order", source);
  Tensor t(found->dtype, parse_shape(dict_value(header, "shape", source), source));
  const size_t data = lead + header_length;
  const size_t want = t.bytes().size();
  if (bytes.size() - data != want)
    fail("{}: npy shape {} of {} needs {} bytes of data, there are {}", source,
         shape_string(t.shape()), dtype_name(t.dtype()), want, bytes.size() - data);
  std::memcpy(t.mutable_bytes().data(), bytes.data() + data, want);
  return t;
}

std::string npy_bytes(const Tensor& tensor) {
  const char* descr = nullptr;
  for (const Descr& d : kDescrs)
    if (d.dtype == tensor.dtype()) descr = d.text;
  NND_CHECK(descr != nullptr, "no npy dtype for {}", dtype_name(tensor.dtype()));
  std::string shape;
  for (int64_t d : tensor.shape()) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
  if (tensor.rank() == 1) shape += ",";  // (3,) is a tuple, (3) is not
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, shape);
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out(kMagic);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char*>(tensor.bytes().data()), tensor.bytes().size());
  return out;
}

}  // namespace nnd::data
