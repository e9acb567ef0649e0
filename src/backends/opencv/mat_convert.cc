#include "backends/opencv/mat_convert.h"

#include <cstring>

namespace nnd::backends::opencv {

namespace {

int mat_depth(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return CV_32F;
    case DType::kFloat64:
      return CV_64F;
    case DType::kFloat16:
      return CV_16F;
    case DType::kInt32:
      return CV_32S;
    case DType::kInt16:
      return CV_16S;
    case DType::kInt8:
      return CV_8S;
    case DType::kUInt8:
    case DType::kBool:
      return CV_8U;  // one byte, 0 or 1
    case DType::kInt64:
      break;
  }
  return -1;
}

DType tensor_dtype(int depth, const std::string& name, const std::string& where) {
  switch (depth) {
    case CV_32F:
      return DType::kFloat32;
    case CV_64F:
      return DType::kFloat64;
    case CV_16F:
      return DType::kFloat16;
    case CV_32S:
      return DType::kInt32;
    case CV_16S:
      return DType::kInt16;
    case CV_8S:
      return DType::kInt8;
    case CV_8U:
      return DType::kUInt8;
    default:
      fail("{}: output '{}' has cv::Mat depth {}, which nndelta cannot hold", where, name, depth);
  }
}

}  // namespace

cv::Mat mat_view(const Tensor& tensor, const std::string& name, const std::string& where) {
  int depth = mat_depth(tensor.dtype());
  if (depth < 0)
    fail("{}: input '{}' is {}, which a cv::Mat cannot hold", where, name,
         dtype_name(tensor.dtype()));
  std::vector<int> sizes(tensor.shape().begin(), tensor.shape().end());
  if (sizes.empty()) sizes = {1};                              // a scalar; cv::Mat has no rank 0
  void* data = const_cast<std::byte*>(tensor.bytes().data());  // OpenCV copies, never writes
  return cv::Mat(static_cast<int>(sizes.size()), sizes.data(), CV_MAKETYPE(depth, 1), data);
}

Tensor tensor_from_mat(const cv::Mat& mat, const std::optional<Shape>& declared,
                       const std::string& name, const std::string& where) {
  if (mat.empty()) fail("{}: output '{}' came back empty", where, name);
  if (mat.channels() != 1)
    fail("{}: output '{}' has {} channels per element, expected 1", where, name, mat.channels());
  Shape shape(mat.size.p, mat.size.p + mat.dims);
  if (declared && element_count(*declared) == element_count(shape)) shape = *declared;
  Tensor tensor(tensor_dtype(mat.depth(), name, where), shape);
  cv::Mat continuous = mat.isContinuous() ? mat : mat.clone();
  NND_CHECK(continuous.total() * continuous.elemSize() == tensor.bytes().size(),
            "output '{}': {} bytes in the cv::Mat, {} in the tensor", name,
            continuous.total() * continuous.elemSize(), tensor.bytes().size());
  std::memcpy(tensor.mutable_bytes().data(), continuous.data, tensor.bytes().size());
  return tensor;
}

}  // namespace nnd::backends::opencv
