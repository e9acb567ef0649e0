// Shape, Cast, Constant, Identity and Dropout.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <type_traits>
#include <variant>

#include "ref/op_call.h"

namespace nnd::ref {

namespace {

template <typename T>
constexpr bool kIsFloat = std::is_floating_point_v<T> || std::is_same_v<T, Half>;

template <typename T>
double as_double(T v) {
  if constexpr (std::is_same_v<T, Half>)
    return static_cast<double>(static_cast<float>(v));
  else
    return static_cast<double>(v);
}

// Rounding a double to float and then to half can round twice (a tie at half precision made by
// the first rounding). Rounding to float by round-to-odd instead leaves the half rounding as the
// only one, exactly as numpy's direct double->half cast does: float has more than twice the bits.
Half half_from(double v) {
  float f = static_cast<float>(v);
  if (std::isfinite(f) && static_cast<double>(f) != v) {
    uint32_t bits = std::bit_cast<uint32_t>(f);
    if (std::abs(static_cast<double>(f)) > std::abs(v)) --bits;  // toward zero
    f = std::bit_cast<float>(bits | 1u);
  }
  return Half(f);
}

// Float to integer truncates toward zero. Values out of the target's range (and NaN) are undefined
// in ONNX and in C++; like the other ref ops (tensor_from in elementwise_map.h) they saturate and
// NaN becomes 0, so the result is at least defined and independent of the host.
template <typename To>
To integer_from(double v) {
  if (std::isnan(v)) return To{0};
  const double lo = static_cast<double>(std::numeric_limits<To>::min());
  // 2^digits is the first value above the range; it and the max of int64 are not doubles apart.
  const double above = std::ldexp(1.0, std::numeric_limits<To>::digits);
  if (v <= lo) return std::numeric_limits<To>::min();
  if (v >= above) return std::numeric_limits<To>::max();
  return static_cast<To>(std::trunc(v));
}

template <typename To, typename From>
To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, bool>) {
    return as_double(v) != 0.0;  // NaN too is nonzero, as in numpy
  } else if constexpr (std::is_same_v<To, Half>) {
    if constexpr (std::is_same_v<From, float>)
      return Half(v);
    else
      return half_from(as_double(v));  // exact for every integer that does not overflow half
  } else if constexpr (kIsFloat<To>) {
    if constexpr (std::is_same_v<From, Half>)
      return static_cast<To>(static_cast<float>(v));
    else
      return static_cast<To>(v);  // int64 -> float rounds once, to nearest even
  } else if constexpr (kIsFloat<From>) {
    return integer_from<To>(as_double(v));
  } else {
    return static_cast<To>(v);  // integer to integer keeps the low bits, as numpy's astype
  }
}

// Cast-1 named the target type by its TensorProto name.
int onnx_type_named(const OpCall& call, const std::string& name) {
  static const std::map<std::string, int> types = {
      {"FLOAT", 1},   {"UINT8", 2},   {"INT8", 3},    {"UINT16", 4},   {"INT16", 5},
      {"INT32", 6},   {"INT64", 7},   {"STRING", 8},  {"BOOL", 9},     {"FLOAT16", 10},
      {"DOUBLE", 11}, {"UINT32", 12}, {"UINT64", 13}, {"BFLOAT16", 16}};
  auto it = types.find(name);
  if (it == types.end()) fail("{}: unknown type name '{}' in 'to'", call.node.label(), name);
  return it->second;
}

DType cast_target(const OpCall& call) {
  auto it = call.node.attributes.find("to");
  int onnx_type = 0;
  if (it != call.node.attributes.end() && std::holds_alternative<std::string>(it->second.value))
    onnx_type = onnx_type_named(call, std::get<std::string>(it->second.value));
  else
    onnx_type = static_cast<int>(call.node.attr_int("to"));
  std::optional<DType> to = dtype_from_onnx(onnx_type);
  if (!to) fail("{}: casting to ONNX type {} is not supported", call.node.label(), onnx_type);
  return *to;
}

}  // namespace

OpOutputs op_Shape(const OpCall& call) {
  const Tensor& x = call.input(0);
  const int64_t rank = x.rank();
  // Opset 15 can take a range of the dimensions; out-of-range bounds clamp.
  auto bound = [&](const char* attr, int64_t fallback) {
    int64_t b = call.node.attr_int(attr, fallback);
    if (b < 0) b += rank;
    return std::clamp<int64_t>(b, 0, rank);
  };
  const int64_t start = bound("start", 0);
  const int64_t end = std::max(start, bound("end", rank));
  return {Tensor::of<int64_t>(
      {end - start}, std::vector<int64_t>(x.shape().begin() + start, x.shape().begin() + end))};
}

OpOutputs op_Cast(const OpCall& call) {
  const Tensor& x = call.input(0);
  const DType to = cast_target(call);
  Tensor out(to, x.shape());
  visit_dtype(x.dtype(), [&](auto from_zero) {
    using From = decltype(from_zero);
    visit_dtype(to, [&](auto to_zero) {
      using To = decltype(to_zero);
      const From* in = x.data<From>();
      To* result = out.data<To>();
      for (int64_t i = 0; i < x.size(); ++i) result[i] = convert<To>(in[i]);
    });
  });
  return {std::move(out)};
}

OpOutputs op_Constant(const OpCall& call) {
  const Node& node = call.node;
  if (node.has("value")) return {node.attr_tensor("value")};
  if (node.has("value_float")) return {Tensor::of<float>({}, {node.attr_float("value_float")})};
  if (node.has("value_int")) return {Tensor::of<int64_t>({}, {node.attr_int("value_int")})};
  if (node.has("value_floats")) {
    std::vector<float> v = node.attr_floats("value_floats");
    return {Tensor::of<float>({static_cast<int64_t>(v.size())}, v)};
  }
  if (node.has("value_ints")) {
    std::vector<int64_t> v = node.attr_ints("value_ints");
    return {Tensor::of<int64_t>({static_cast<int64_t>(v.size())}, v)};
  }
  for (const char* unsupported : {"sparse_value", "value_string", "value_strings"})
    if (node.has(unsupported))
      fail("{}: attribute '{}' is not supported", node.label(), unsupported);
  fail("{}: has no value attribute", node.label());
}

OpOutputs op_Identity(const OpCall& call) { return {call.input(0)}; }

// Training-mode Dropout draws its mask the way the ONNX reference does (numpy's legacy
// RandomState seeded with the `seed` attribute, default 0), so a run is reproducible and agrees
// with the conformance data: numpy's random_sample builds a 53-bit double from two MT19937 draws.
std::vector<bool> dropout_keep_mask(size_t n, double ratio, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<bool> keep(n);
  for (size_t i = 0; i < n; ++i) {
    const double a = static_cast<double>(gen() >> 5);
    const double b = static_cast<double>(gen() >> 6);
    keep[i] = (a * 67108864.0 + b) / 9007199254740992.0 >= ratio;
  }
  return keep;
}

OpOutputs op_Dropout(const OpCall& call) {
  const Tensor& x = call.input(0);
  // Before opset 12 the mode is an attribute (is_test, opset < 7) that runtimes ignore: models are
  // run for inference. From 12 on, training_mode is an input.
  bool training = false;
  double ratio = call.opset >= 12 ? 0.5 : call.node.attr_float("ratio", 0.5);
  if (call.opset >= 12) {
    if (call.has_input(1)) {
      if (call.input(1).size() != 1) fail("{}: ratio must be a scalar", call.node.label());
      ratio = call.input(1).at(0);
    }
    if (call.has_input(2)) {
      if (call.input(2).size() != 1) fail("{}: training_mode must be a scalar", call.node.label());
      training = call.input(2).at(0) != 0;
    }
  }
  if (training && (ratio < 0 || ratio >= 1))
    fail("{}: ratio {} is outside [0, 1)", call.node.label(), ratio);
  const bool drops = training && ratio != 0;
  std::vector<bool> keep =
      drops ? dropout_keep_mask(static_cast<size_t>(x.size()), ratio,
                                static_cast<uint32_t>(call.node.attr_int("seed", 0)))
            : std::vector<bool>(static_cast<size_t>(x.size()), true);

  OpOutputs outs;
  if (drops) {
    std::vector<double> v = x.to_doubles();
    const double scale = 1.0 / (1.0 - ratio);
    for (size_t i = 0; i < v.size(); ++i) v[i] = keep[i] ? v[i] * scale : 0.0;
    outs.push_back(Tensor::from_doubles(x.dtype(), x.shape(), v));
  } else {
    outs.push_back(x);
  }
  if (call.output_count() >= 2) {
    // The mask is bool from opset 10; before, it had the input's type.
    const DType mask_type = call.opset >= 10 ? DType::kBool : x.dtype();
    Tensor mask = Tensor(DType::kBool, x.shape());
    std::copy(keep.begin(), keep.end(), mask.data<bool>());
    outs.push_back(mask_type == DType::kBool ? std::move(mask) : mask.cast(mask_type));
  }
  return outs;
}

}  // namespace nnd::ref
