// BatchNormalization, InstanceNormalization and LRN over (N, C, D1, ...) inputs.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ref/op_call.h"

namespace nnd::ref {

namespace {

void check_rank(const OpCall& call, const Tensor& x, int64_t min_rank) {
  if (x.rank() < min_rank)
    fail("{}: input must have rank >= {} (N, C, ...), got shape {}", call.node.label(), min_rank,
         shape_string(x.shape()));
}

// Input i's values, which must be `count` of them (one per channel, or per channel and position).
std::vector<double> params_of(const OpCall& call, size_t i, const char* name, int64_t count) {
  const Tensor& t = call.input(i);
  if (t.size() != count)
    fail("{}: {} must have {} values, got shape {}", call.node.label(), name, count,
         shape_string(t.shape()));
  return t.to_doubles();
}

}  // namespace

OpOutputs op_BatchNormalization(const OpCall& call) {
  const Tensor& x = call.input(0);
  check_rank(call, x, 2);
  // Before opset 9, spatial=0 gives every (channel, position) pair its own statistics. Before
  // opset 14 the extra outputs of training are ignored: only Y, in inference mode, is produced.
  const bool spatial = call.opset >= 9 || call.node.attr_int("spatial", 1) != 0;
  const bool training = call.opset >= 14 && call.node.attr_int("training_mode", 0) != 0;
  const int64_t channels = x.dim(1);
  const int64_t plane = x.size() / std::max<int64_t>(1, x.dim(0) * channels);
  const int64_t groups = spatial ? channels : channels * plane;
  const std::vector<double> scale = params_of(call, 1, "scale", groups);
  const std::vector<double> bias = params_of(call, 2, "B", groups);
  std::vector<double> mean = params_of(call, 3, "mean", groups);
  std::vector<double> var = params_of(call, 4, "var", groups);
  const double eps = call.node.attr_float("epsilon", 1e-5f);
  std::vector<double> y = x.to_doubles();
  auto group_of = [&](size_t i) {
    const int64_t pos = static_cast<int64_t>(i) % (channels * plane);
    return static_cast<size_t>(spatial ? pos / plane : pos);
  };
  OpOutputs outs(1);
  if (training) {
    // Y uses the batch's own statistics (population variance); the running ones are updated.
    std::vector<double> sum(mean.size()), squares(mean.size());
    for (size_t i = 0; i < y.size(); ++i) sum[group_of(i)] += y[i];
    const double count = static_cast<double>(x.size() / groups);
    for (double& s : sum) s /= count;
    for (size_t i = 0; i < y.size(); ++i)
      squares[group_of(i)] += (y[i] - sum[group_of(i)]) * (y[i] - sum[group_of(i)]);
    for (double& s : squares) s /= count;
    const double momentum = call.node.attr_float("momentum", 0.9f);
    std::vector<double> running_mean(mean.size()), running_var(var.size());
    for (size_t g = 0; g < mean.size(); ++g) {
      running_mean[g] = mean[g] * momentum + sum[g] * (1 - momentum);
      running_var[g] = var[g] * momentum + squares[g] * (1 - momentum);
    }
    const Tensor& stats = call.input(3);
    outs.push_back(Tensor::from_doubles(stats.dtype(), stats.shape(), running_mean));
    outs.push_back(Tensor::from_doubles(call.input(4).dtype(), call.input(4).shape(), running_var));
    mean = std::move(sum);
    var = std::move(squares);
  }
  for (size_t i = 0; i < y.size(); ++i) {
    const size_t g = group_of(i);
    y[i] = (y[i] - mean[g]) / std::sqrt(var[g] + eps) * scale[g] + bias[g];
  }
  outs[0] = Tensor::from_doubles(x.dtype(), x.shape(), y);
  return outs;
}

OpOutputs op_InstanceNormalization(const OpCall& call) {
  const Tensor& x = call.input(0);
  check_rank(call, x, 3);
  const int64_t channels = x.dim(1);
  const int64_t plane = x.size() / std::max<int64_t>(1, x.dim(0) * channels);
  const std::vector<double> scale = params_of(call, 1, "scale", channels);
  const std::vector<double> bias = params_of(call, 2, "B", channels);
  const double eps = call.node.attr_float("epsilon", 1e-5f);
  std::vector<double> y = x.to_doubles();
  for (int64_t nc = 0; nc < x.dim(0) * channels; ++nc) {
    double* p = y.data() + nc * plane;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < plane; ++i) mean += p[i];
    mean /= static_cast<double>(plane);
    for (int64_t i = 0; i < plane; ++i) var += (p[i] - mean) * (p[i] - mean);
    var /= static_cast<double>(plane);
    const size_t c = static_cast<size_t>(nc % channels);
    for (int64_t i = 0; i < plane; ++i)
      p[i] = (p[i] - mean) / std::sqrt(var + eps) * scale[c] + bias[c];
  }
  return {Tensor::from_doubles(x.dtype(), x.shape(), y)};
}

OpOutputs op_LRN(const OpCall& call) {
  const std::string label = call.node.label();
  const Tensor& x = call.input(0);
  check_rank(call, x, 2);
  const int64_t size = call.node.attr_int("size");
  if (size < 1) fail("{}: size must be positive, got {}", label, size);
  const double alpha = call.node.attr_float("alpha", 1e-4f);
  const double beta = call.node.attr_float("beta", 0.75f);
  const double bias = call.node.attr_float("bias", 1.0f);
  const int64_t channels = x.dim(1);
  const int64_t plane = x.size() / std::max<int64_t>(1, x.dim(0) * channels);
  // The window over channels is [c - floor((size-1)/2), c + ceil((size-1)/2)], clipped.
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  const std::vector<double> in = x.to_doubles();
  std::vector<double> y(in.size());
  for (int64_t n = 0; n < x.dim(0); ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t lo = std::max<int64_t>(0, c - before);
      const int64_t hi = std::min<int64_t>(channels - 1, c + after);
      for (int64_t i = 0; i < plane; ++i) {
        double square_sum = 0;
        for (int64_t j = lo; j <= hi; ++j) {
          const double v = in[static_cast<size_t>((n * channels + j) * plane + i)];
          square_sum += v * v;
        }
        const size_t at = static_cast<size_t>((n * channels + c) * plane + i);
        y[at] = in[at] / std::pow(bias + alpha / static_cast<double>(size) * square_sum, beta);
      }
    }
  return {Tensor::from_doubles(x.dtype(), x.shape(), y)};
}

}  // namespace nnd::ref
