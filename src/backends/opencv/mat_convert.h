#pragma once
// Our tensors as OpenCV DNN blobs (N-dimensional, row-major cv::Mat) and back.
#include <opencv2/core/mat.hpp>
#include <optional>
#include <string>

#include "core/tensor.h"

namespace nnd::backends::opencv {

// A cv::Mat header over the tensor's bytes, no copy: valid while `tensor` lives unchanged.
// OpenCV's Net::setInput copies it. An int64 tensor (which cv::Mat cannot hold) is a UserError
// that starts with `where` (environment and model) and names the input.
cv::Mat mat_view(const Tensor& tensor, const std::string& name, const std::string& where);

// Copies a blob into a tensor. OpenCV drops or adds unit dimensions (a [N] value comes back as
// [N,1]); when `declared` has the same element count the tensor takes that shape.
Tensor tensor_from_mat(const cv::Mat& mat, const std::optional<Shape>& declared,
                       const std::string& name, const std::string& where);

}  // namespace nnd::backends::opencv
