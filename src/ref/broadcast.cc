#include "ref/broadcast.h"

#include <algorithm>

namespace nnd::ref {

Shape broadcast_shapes(const OpCall& call, std::span<const Shape> shapes) {
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (const Shape& s : shapes) {
    size_t offset = rank - s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& o = out[offset + i];
      if (s[i] == o || s[i] == 1) continue;
      if (o != 1) {
        std::vector<std::string> texts;
        for (const Shape& t : shapes) texts.push_back(shape_string(t));
        fail("{}: shapes {} cannot be broadcast together", call.node.label(),
             fmt::format("{}", fmt::join(texts, " and ")));
      }
      o = s[i];
    }
  }
  return out;
}

std::vector<double> broadcast_values(const Tensor& tensor, const Shape& to) {
  std::vector<double> in = tensor.to_doubles();
  const int64_t n = element_count(to);
  if (tensor.shape() == to) return in;
  std::vector<double> out(static_cast<size_t>(n));
  // Strides of the input seen in the output's rank; broadcast dimensions get stride 0.
  const size_t rank = to.size();
  const size_t offset = rank - tensor.shape().size();
  std::vector<int64_t> in_strides(rank, 0);
  std::vector<int64_t> own = strides_of(tensor.shape());
  for (size_t i = 0; i < tensor.shape().size(); ++i)
    in_strides[offset + i] = tensor.shape()[i] == 1 ? 0 : own[i];
  std::vector<int64_t> index(rank, 0);
  int64_t src = 0;
  for (int64_t flat = 0; flat < n; ++flat) {
    out[static_cast<size_t>(flat)] = in[static_cast<size_t>(src)];
    for (size_t d = rank; d-- > 0;) {  // odometer increment, last axis fastest
      if (++index[d] < to[d]) {
        src += in_strides[d];
        break;
      }
      src -= in_strides[d] * (to[d] - 1);
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace nnd::ref
