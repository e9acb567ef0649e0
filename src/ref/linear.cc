// Gemm and MatMul, accumulating in double over k in ascending order.
#include <algorithm>
#include <vector>

#include "ref/broadcast.h"
#include "ref/op_call.h"

namespace nnd::ref {

namespace {

// c[m x n] += a[m x k] * b[k x n], all row-major; the innermost loop runs along a row of b and c.
void matmul_add(const double* a, const double* b, double* c, int64_t m, int64_t k, int64_t n) {
  for (int64_t i = 0; i < m; ++i) {
    double* crow = c + i * n;
    for (int64_t p = 0; p < k; ++p) {
      const double av = a[i * k + p];
      const double* brow = b + p * n;
      for (int64_t j = 0; j < n; ++j) crow[j] += av * brow[j];
    }
  }
}

// The values of a rank-2 tensor, transposed when asked, as a row-major (rows x cols) matrix.
std::vector<double> matrix_of(const Tensor& t, bool transpose, int64_t& rows, int64_t& cols) {
  std::vector<double> v = t.to_doubles();
  rows = t.dim(0);
  cols = t.dim(1);
  if (!transpose) return v;
  std::vector<double> out(v.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[c * rows + r] = v[r * cols + c];
  std::swap(rows, cols);
  return out;
}

}  // namespace

OpOutputs op_Gemm(const OpCall& call) {
  const std::string label = call.node.label();
  const Tensor& a = call.input(0);
  const Tensor& b = call.input(1);
  if (a.rank() != 2 || b.rank() != 2)
    fail("{}: A and B must be matrices, got shapes {} and {}", label, shape_string(a.shape()),
         shape_string(b.shape()));
  int64_t m = 0, k = 0, kb = 0, n = 0;
  const std::vector<double> av = matrix_of(a, call.node.attr_int("transA", 0) != 0, m, k);
  const std::vector<double> bv = matrix_of(b, call.node.attr_int("transB", 0) != 0, kb, n);
  if (k != kb)
    fail("{}: inner dimensions differ: A is {} x {} and B is {} x {} (after transA/transB)", label,
         m, k, kb, n);
  const double alpha = call.node.attr_float("alpha", 1.0f);
  const double beta = call.node.attr_float("beta", 1.0f);
  std::vector<double> y(static_cast<size_t>(m * n), 0.0);
  matmul_add(av.data(), bv.data(), y.data(), m, k, n);
  const Shape out_shape{m, n};
  std::vector<double> c;
  if (call.has_input(2)) {
    const Tensor& ct = call.input(2);
    // C broadcasts one way only: to (M, N), never the other way round.
    const Shape shapes[] = {ct.shape(), out_shape};
    if (ct.rank() > 2 || broadcast_shapes(call, shapes) != out_shape)
      fail("{}: C of shape {} cannot be broadcast to [{},{}]", label, shape_string(ct.shape()), m,
           n);
    c = broadcast_values(ct, out_shape);
  }
  for (size_t i = 0; i < y.size(); ++i) y[i] = alpha * y[i] + (c.empty() ? 0.0 : beta * c[i]);
  return {Tensor::from_doubles(a.dtype(), out_shape, y)};
}

OpOutputs op_MatMul(const OpCall& call) {
  const std::string label = call.node.label();
  const Tensor& a = call.input(0);
  const Tensor& b = call.input(1);
  if (a.rank() == 0 || b.rank() == 0)
    fail("{}: operands must have rank >= 1, got shapes {} and {}", label, shape_string(a.shape()),
         shape_string(b.shape()));
  // numpy: a 1-D A is a row vector and a 1-D B a column vector; the added axis is dropped after.
  Shape as = a.shape(), bs = b.shape();
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  if (bs[bs.size() - 2] != k)
    fail("{}: inner dimensions differ: shapes {} and {}", label, shape_string(a.shape()),
         shape_string(b.shape()));
  const Shape batch_shapes[] = {Shape(as.begin(), as.end() - 2), Shape(bs.begin(), bs.end() - 2)};
  const Shape batch = broadcast_shapes(call, batch_shapes);
  Shape a_full = batch, b_full = batch;
  a_full.insert(a_full.end(), {m, k});
  b_full.insert(b_full.end(), {k, n});
  const std::vector<double> av = broadcast_values(a.reshaped(as), a_full);
  const std::vector<double> bv = broadcast_values(b.reshaped(bs), b_full);
  const int64_t count = element_count(batch);
  std::vector<double> y(static_cast<size_t>(count * m * n), 0.0);
  for (int64_t i = 0; i < count; ++i)
    matmul_add(av.data() + i * m * k, bv.data() + i * k * n, y.data() + i * m * n, m, k, n);
  Shape out_shape = batch;
  if (a.rank() > 1) out_shape.push_back(m);
  if (b.rank() > 1) out_shape.push_back(n);
  return {Tensor::from_doubles(a.dtype(), out_shape, y)};
}

}  // namespace nnd::ref
