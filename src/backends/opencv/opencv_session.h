#pragma once
// One model loaded into an OpenCV DNN net for one environment. Outputs come back with the
// element type OpenCV computed them in (float32 for nearly every layer), whatever the graph
// declares: that difference is OpenCV's, for the comparison to see.
#include <opencv2/dnn.hpp>
#include <optional>
#include <string>
#include <vector>

#include "backends/backend.h"

namespace nnd::backends::opencv {

class OpenCvSession : public Session {
 public:
  // `where` ("environment: model label") starts every error message.
  OpenCvSession(cv::dnn::Net net, const Model& model, std::string where, std::string description);

  TensorMap run(const TensorMap& inputs) override;
  std::string description() const override { return description_; }

  // Runs once on zeros when every input shape is static, so that OpenCV sets up the net
  // (layer allocation, fusion, OpenCL kernel builds) in prepare rather than in the first run.
  // Returns false when some input shape is not static and nothing ran.
  bool warm_up();

 private:
  TensorMap forward(const TensorMap& inputs);

  cv::dnn::Net net_;
  std::string where_;
  std::string description_;
  std::vector<std::string> input_names_;
  std::vector<std::optional<Shape>> input_shapes_;
  std::vector<DType> input_dtypes_;
  // Every graph output, intermediates the parent appended included; OpenCV names a layer's
  // output blob by the ONNX value name.
  std::vector<std::string> output_names_;
  std::vector<std::optional<Shape>> output_shapes_;
};

}  // namespace nnd::backends::opencv
