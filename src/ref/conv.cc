// Conv and ConvTranspose. Both accumulate in double in one fixed order per output element (bias,
// then input channels, then kernel taps in row-major order), whatever loop nest computes it, so
// the fast paths give bit-identical results to the general one.
#include <algorithm>
#include <vector>

#include "ref/op_call.h"
#include "ref/spatial_window.h"

namespace nnd::ref {

namespace {

// y[i] += w * x[i * stride + offset] for i in [lo, hi); the unit-stride loop is the one that
// compilers vectorize.
inline void axpy(double* __restrict y, const double* __restrict x, int64_t offset, double w,
                 Range r, int64_t stride) {
  if (stride == 1) {
    for (int64_t i = r.lo; i < r.hi; ++i) y[i] += w * x[i + offset];
  } else {
    for (int64_t i = r.lo; i < r.hi; ++i) y[i] += w * x[i * stride + offset];
  }
}

struct Channels {
  int64_t batch = 0;
  int64_t in = 0;      // input channels, all groups
  int64_t out = 0;     // output channels, all groups
  int64_t groups = 1;  // in and out are both multiples of it
};

int64_t group_attr(const OpCall& call) {
  const int64_t group = call.node.attr_int("group", 1);
  if (group < 1) fail("{}: group must be positive, got {}", call.node.label(), group);
  return group;
}

// The kernel's spatial sizes: the weight's, checked against kernel_shape when that is given.
std::vector<int64_t> kernel_of(const OpCall& call, const Tensor& weight) {
  std::vector<int64_t> kernel(weight.shape().begin() + 2, weight.shape().end());
  if (call.node.has("kernel_shape") && call.node.attr_ints("kernel_shape") != kernel)
    fail("{}: kernel_shape {} does not match the weight's shape {}", call.node.label(),
         shape_string(call.node.attr_ints("kernel_shape")), shape_string(weight.shape()));
  return kernel;
}

// The bias as one value per output channel (zeros when there is none).
std::vector<double> bias_of(const OpCall& call, int64_t channels) {
  if (!call.has_input(2)) return std::vector<double>(static_cast<size_t>(channels), 0.0);
  const Tensor& b = call.input(2);
  if (b.rank() != 1 || b.dim(0) != channels)
    fail("{}: bias must have shape [{}], got {}", call.node.label(), channels,
         shape_string(b.shape()));
  return b.to_doubles();
}

// 1x1 kernels with unit strides and no padding: each output plane is a weighted sum of whole
// input planes, so the loops run over the plane in cache-sized tiles instead of rows.
void conv_pointwise(const Window& w, const Channels& ch, const double* x, const double* k,
                    const double* bias, double* y) {
  constexpr int64_t kTile = 512;
  const int64_t plane = product(w.out);
  const int64_t cin = ch.in / ch.groups, cout = ch.out / ch.groups;
  for (int64_t n = 0; n < ch.batch; ++n)
    for (int64_t g = 0; g < ch.groups; ++g)
      for (int64_t t = 0; t < plane; t += kTile) {
        const Range r{0, std::min(kTile, plane - t)};
        for (int64_t oc = g * cout; oc < (g + 1) * cout; ++oc) {
          double* yt = y + (n * ch.out + oc) * plane + t;
          std::fill(yt, yt + r.hi, bias[oc]);
          for (int64_t ic = 0; ic < cin; ++ic)
            axpy(yt, x + (n * ch.in + g * cin + ic) * plane + t, 0, k[oc * cin + ic], r, 1);
        }
      }
}

void conv_direct(const Window& w, const Channels& ch, const double* x, const double* k,
                 const double* bias, double* y) {
  const int64_t in_plane = product(w.in), out_plane = product(w.out), taps = product(w.kernel);
  const int64_t cin = ch.in / ch.groups, cout = ch.out / ch.groups;
  // Per tap of the innermost axis: the output columns it reaches and where their inputs start.
  std::vector<Range> cols(static_cast<size_t>(w.kernel[2]));
  std::vector<int64_t> col_offset(cols.size());
  for (int64_t kx = 0; kx < w.kernel[2]; ++kx) {
    col_offset[kx] = kx * w.dilations[2] - w.pads_begin[2];
    cols[kx] = valid_range(w.out[2], col_offset[kx], w.strides[2], w.in[2]);
  }
  for (int64_t n = 0; n < ch.batch; ++n)
    for (int64_t oc = 0; oc < ch.out; ++oc) {
      const int64_t g = oc / cout;
      const double* kc = k + oc * cin * taps;
      for (int64_t oz = 0; oz < w.out[0]; ++oz)
        for (int64_t oy = 0; oy < w.out[1]; ++oy) {
          double* yrow = y + (n * ch.out + oc) * out_plane + (oz * w.out[1] + oy) * w.out[2];
          std::fill(yrow, yrow + w.out[2], bias[oc]);
          for (int64_t ic = 0; ic < cin; ++ic) {
            const double* xc = x + (n * ch.in + g * cin + ic) * in_plane;
            const double* kt = kc + ic * taps;
            for (int64_t kz = 0; kz < w.kernel[0]; ++kz) {
              const int64_t iz = oz * w.strides[0] + kz * w.dilations[0] - w.pads_begin[0];
              if (iz < 0 || iz >= w.in[0]) continue;
              for (int64_t ky = 0; ky < w.kernel[1]; ++ky) {
                const int64_t iy = oy * w.strides[1] + ky * w.dilations[1] - w.pads_begin[1];
                if (iy < 0 || iy >= w.in[1]) continue;
                const double* xrow = xc + (iz * w.in[1] + iy) * w.in[2];
                const double* kr = kt + (kz * w.kernel[1] + ky) * w.kernel[2];
                for (int64_t kx = 0; kx < w.kernel[2]; ++kx)
                  axpy(yrow, xrow, col_offset[kx], kr[kx], cols[kx], w.strides[2]);
              }
            }
          }
        }
    }
}

// Checks the weight (M, C/group, k...) against the input (N, C, ...) and returns the channels.
Channels conv_channels(const OpCall& call, const Tensor& x, const Tensor& weight) {
  const std::string label = call.node.label();
  if (weight.rank() != x.rank())
    fail("{}: weight shape {} does not match the rank of input shape {}", label,
         shape_string(weight.shape()), shape_string(x.shape()));
  Channels ch{x.dim(0), x.dim(1), weight.dim(0), group_attr(call)};
  if (ch.in != weight.dim(1) * ch.groups)
    fail("{}: input has {} channels but weight shape {} with group {} expects {}", label, ch.in,
         shape_string(weight.shape()), ch.groups, weight.dim(1) * ch.groups);
  if (ch.out % ch.groups != 0)
    fail("{}: {} output channels are not divisible by group {}", label, ch.out, ch.groups);
  return ch;
}

}  // namespace

OpOutputs op_Conv(const OpCall& call) {
  const Tensor& x = call.input(0);
  const Tensor& weight = call.input(1);
  spatial_rank(call, x);
  const Channels ch = conv_channels(call, x, weight);
  const Window w = make_window(call, x, kernel_of(call, weight), /*ceil_mode=*/false);
  const std::vector<double> bias = bias_of(call, ch.out);
  const std::vector<double> xs = x.to_doubles(), ks = weight.to_doubles();
  const Shape out_shape = window_output_shape(w, ch.batch, ch.out);
  std::vector<double> y(static_cast<size_t>(element_count(out_shape)));
  const bool pointwise = product(w.kernel) == 1 && product(w.strides) == 1 &&
                         w.pads_begin == Dims3{0, 0, 0} && w.pads_end == Dims3{0, 0, 0};
  if (pointwise)
    conv_pointwise(w, ch, xs.data(), ks.data(), bias.data(), y.data());
  else
    conv_direct(w, ch, xs.data(), ks.data(), bias.data(), y.data());
  return {Tensor::from_doubles(x.dtype(), out_shape, y)};
}

namespace {

// ConvTranspose's geometry: the output size and pads follow from output_shape when it is given,
// else from auto_pad, else from pads; `in`, `strides` etc. of the window are the input's.
Window transpose_window(const OpCall& call, const Tensor& x, const std::vector<int64_t>& kernel) {
  const std::string label = call.node.label();
  Window w;
  w.spatial = spatial_rank(call, x);
  const size_t n = w.spatial;
  check_kernel(call, kernel, n);
  place(w.in, x.shape(), 2);
  place(w.kernel, kernel);
  place(w.strides, axis_attr(call, "strides", n, 1, 1));
  place(w.dilations, axis_attr(call, "dilations", n, 1, 1));
  Dims3 output_padding{0, 0, 0};
  place(output_padding, axis_attr(call, "output_padding", n, 0, 0));
  const std::string mode = auto_pad_of(call);
  std::vector<int64_t> pads = axis_attr(call, "pads", 2 * n, 0, 0);
  std::vector<int64_t> output_shape;
  if (call.node.has("output_shape")) {
    output_shape = call.node.attr_ints("output_shape");
    // Some exporters give the whole (N, C, spatial...) shape.
    if (output_shape.size() == n + 2)
      output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
    if (output_shape.size() != n)
      fail("{}: output_shape has {} values for {} spatial axes", label, output_shape.size(), n);
  }
  for (size_t i = 0; i < n; ++i) {
    const size_t a = kMaxSpatial - n + i;
    const int64_t full = w.strides[a] * (w.in[a] - 1) + output_padding[a] + w.extent(a);
    if (!output_shape.empty() || mode == "SAME_UPPER" || mode == "SAME_LOWER") {
      // The spec's rule: an odd total puts the extra pad at the end for SAME_UPPER and at the
      // beginning otherwise; floor division keeps a negative total (a larger output) consistent.
      w.out[a] = output_shape.empty() ? w.in[a] * w.strides[a] : output_shape[i];
      const int64_t total = full - w.out[a];
      w.pads_begin[a] = mode == "SAME_UPPER" ? floor_div(total, 2) : total - floor_div(total, 2);
      w.pads_end[a] = total - w.pads_begin[a];
    } else {
      if (mode == "NOTSET") {
        w.pads_begin[a] = pads[i];
        w.pads_end[a] = pads[n + i];
      }
      w.out[a] = full - w.pads_begin[a] - w.pads_end[a];
    }
    if (w.out[a] < 1) fail("{}: output size {} on axis {} is not positive", label, w.out[a], i + 2);
  }
  return w;
}

// Scatters every input element through the kernel: y[o] += x[i] * k where o = i*s + k*d - pad.
void conv_transpose(const Window& w, const Channels& ch, const double* x, const double* k,
                    const double* bias, double* y) {
  const int64_t in_plane = product(w.in), out_plane = product(w.out), taps = product(w.kernel);
  const int64_t cin = ch.in / ch.groups, cout = ch.out / ch.groups;
  std::vector<Range> cols(static_cast<size_t>(w.kernel[2]));
  std::vector<int64_t> col_offset(cols.size());
  for (int64_t kx = 0; kx < w.kernel[2]; ++kx) {
    col_offset[kx] = kx * w.dilations[2] - w.pads_begin[2];
    cols[kx] = valid_range(w.in[2], col_offset[kx], w.strides[2], w.out[2]);
  }
  for (int64_t n = 0; n < ch.batch; ++n)
    for (int64_t oc = 0; oc < ch.out; ++oc) {
      const int64_t g = oc / cout;
      double* yc = y + (n * ch.out + oc) * out_plane;
      std::fill(yc, yc + out_plane, bias[oc]);
      for (int64_t ic = 0; ic < cin; ++ic) {
        const double* xc = x + (n * ch.in + g * cin + ic) * in_plane;
        // Weight layout (C, M/group, k...).
        const double* kt = k + ((g * cin + ic) * cout + oc - g * cout) * taps;
        for (int64_t kz = 0; kz < w.kernel[0]; ++kz)
          for (int64_t iz = 0; iz < w.in[0]; ++iz) {
            const int64_t oz = iz * w.strides[0] + kz * w.dilations[0] - w.pads_begin[0];
            if (oz < 0 || oz >= w.out[0]) continue;
            for (int64_t ky = 0; ky < w.kernel[1]; ++ky)
              for (int64_t iy = 0; iy < w.in[1]; ++iy) {
                const int64_t oy = iy * w.strides[1] + ky * w.dilations[1] - w.pads_begin[1];
                if (oy < 0 || oy >= w.out[1]) continue;
                const double* xrow = xc + (iz * w.in[1] + iy) * w.in[2];
                double* yrow = yc + (oz * w.out[1] + oy) * w.out[2];
                const double* kr = kt + (kz * w.kernel[1] + ky) * w.kernel[2];
                for (int64_t kx = 0; kx < w.kernel[2]; ++kx)
                  for (int64_t ix = cols[kx].lo; ix < cols[kx].hi; ++ix)
                    yrow[ix * w.strides[2] + col_offset[kx]] += kr[kx] * xrow[ix];
              }
          }
      }
    }
}

}  // namespace

OpOutputs op_ConvTranspose(const OpCall& call) {
  const Tensor& x = call.input(0);
  const Tensor& weight = call.input(1);
  const std::string label = call.node.label();
  spatial_rank(call, x);
  if (weight.rank() != x.rank())
    fail("{}: weight shape {} does not match the rank of input shape {}", label,
         shape_string(weight.shape()), shape_string(x.shape()));
  const int64_t groups = group_attr(call);
  const Channels ch{x.dim(0), x.dim(1), weight.dim(1) * groups, groups};
  if (weight.dim(0) != ch.in)
    fail("{}: input has {} channels but weight shape {} expects {}", label, ch.in,
         shape_string(weight.shape()), weight.dim(0));
  if (ch.in % groups != 0)
    fail("{}: {} input channels are not divisible by group {}", label, ch.in, groups);
  const Window w = transpose_window(call, x, kernel_of(call, weight));
  const std::vector<double> bias = bias_of(call, ch.out);
  const std::vector<double> xs = x.to_doubles(), ks = weight.to_doubles();
  const Shape out_shape = window_output_shape(w, ch.batch, ch.out);
  std::vector<double> y(static_cast<size_t>(element_count(out_shape)));
  conv_transpose(w, ch, xs.data(), ks.data(), bias.data(), y.data());
  return {Tensor::from_doubles(x.dtype(), out_shape, y)};
}

}  // namespace nnd::ref
