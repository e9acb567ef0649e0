#include "backends/opencv/opencv_session.h"

#include "backends/opencv/mat_convert.h"
#include "backends/opencv/opencv_error.h"
#include "core/error.h"

namespace nnd::backends::opencv {

OpenCvSession::OpenCvSession(cv::dnn::Net net, const Model& model, std::string where,
                             std::string description)
    : net_(std::move(net)), where_(std::move(where)), description_(std::move(description)) {
  for (const ValueInfo& input : model.graph.inputs) {
    input_names_.push_back(input.name);
    input_shapes_.push_back(input.static_shape());
    input_dtypes_.push_back(input.dtype.value_or(DType::kFloat32));
  }
  for (const ValueInfo& output : model.graph.outputs) {
    output_names_.push_back(output.name);
    output_shapes_.push_back(output.static_shape());
  }
}

TensorMap OpenCvSession::run(const TensorMap& inputs) {
  for (const auto& [name, tensor] : inputs)
    if (std::find(input_names_.begin(), input_names_.end(), name) == input_names_.end())
      fail("{}: the model has no input '{}'", where_, name);
  for (const std::string& name : input_names_)
    if (!inputs.count(name)) fail("{}: input '{}' is missing", where_, name);
  return forward(inputs);
}

TensorMap OpenCvSession::forward(const TensorMap& inputs) {
  std::vector<cv::Mat> blobs;
  try {
    for (const std::string& name : input_names_)
      net_.setInput(mat_view(inputs.at(name), name, where_), name);
    net_.forward(blobs, output_names_);
  } catch (const cv::Exception& error) {
    fail("{}: OpenCV failed to run the model: {}", where_, one_line(error));
  }
  NND_CHECK(blobs.size() == output_names_.size(), "OpenCV returned {} blobs for {} outputs",
            blobs.size(), output_names_.size());
  TensorMap outputs;
  for (size_t i = 0; i < blobs.size(); ++i)
    outputs[output_names_[i]] =
        tensor_from_mat(blobs[i], output_shapes_[i], output_names_[i], where_);
  return outputs;
}

bool OpenCvSession::warm_up() {
  TensorMap zeros;
  for (size_t i = 0; i < input_names_.size(); ++i) {
    if (!input_shapes_[i]) return false;
    zeros[input_names_[i]] = Tensor(input_dtypes_[i], *input_shapes_[i]);
  }
  forward(zeros);
  return true;
}

}  // namespace nnd::backends::opencv
