#pragma once
// OpenCV's own error text, as one line for a recorded outcome.
#include <opencv2/core.hpp>
#include <string>

namespace nnd::backends::opencv {

// The exception's `err` field (its message without the file/function prefix of `what()`), its
// lines joined with spaces and the "> " nesting markers of the ONNX importer removed.
std::string one_line(const cv::Exception& error);

}  // namespace nnd::backends::opencv
