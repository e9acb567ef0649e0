// OpenCV DNN (the OPENCV backend of cv::dnn) as a framework. Devices: cpu, ISA-capped
// cpu-avx512/cpu-avx2/cpu-sse41 (see opencv_devices.h for why their cap must be set at worker
// spawn), and opencl/opencl-fp16. OpenCV has a single optimization switch, layer fusion: O0
// turns it off, O1..O3 all turn it on. A model OpenCV refuses is a UserError carrying
// OpenCV's own message: such refusals are findings, so the model is never rewritten to please it.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <opencv2/core/ocl.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>

#include "backends/backend.h"
#include "backends/opencv/opencv_devices.h"
#include "backends/opencv/opencv_error.h"
#include "backends/opencv/opencv_session.h"
#include "core/error.h"

namespace nnd::backends {

namespace {

using opencv::DeviceInfo;

std::vector<std::string> device_names() {
  std::vector<std::string> names;
  for (const DeviceInfo& device : opencv::all_devices()) names.push_back(device.name);
  return names;
}

// OpenCV's reading of a boolean configuration variable (utils::getConfigurationParameterBool).
bool env_flag_on(const char* name) {
  const char* value = std::getenv(name);
  if (!value) return false;
  std::string v = value;
  return v == "1" || v == "true" || v == "True" || v == "TRUE" || v == "ON" || v == "on";
}

// Checks that OpenCV will really run where the environment says, since OpenCV itself falls
// back silently; returns the target to ask for and says in `target_text` what runs.
int opencl_target(const DeviceInfo& device, const std::string& env, std::string& target_text) {
  opencv::set_opencl_environment_if_unset(device);
  if (!cv::ocl::useOpenCL())
    fail(
        "{}: OpenCV has no usable OpenCL device (OPENCV_OPENCL_DEVICE='{}'); it would run on "
        "the CPU",
        env, std::getenv("OPENCV_OPENCL_DEVICE") ? std::getenv("OPENCV_OPENCL_DEVICE") : "");
  const cv::ocl::Device& cl = cv::ocl::Device::getDefault();
  if (cl.type() != cv::ocl::Device::TYPE_GPU && !env_flag_on("OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES"))
    fail(
        "{}: OpenCL device '{}' is not a GPU and OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES is not set "
        "in the worker's environment, so OpenCV would silently run on the CPU",
        env, cl.name());
  std::string on = fmt::format("'{}' ({}, {})", cl.name(), cl.vendorName(), cl.version());
  if (!device.fp16) {
    target_text = "OPENCL on " + on;
    return cv::dnn::DNN_TARGET_OPENCL;
  }
  // Net::setPreferableTarget swaps OPENCL_FP16 for OPENCL without a word on such devices.
  if (!cl.isExtensionSupported("cl_khr_fp16"))
    target_text = "OPENCL_FP16 requested, but " + on +
                  " lacks cl_khr_fp16, so OpenCV runs it as OPENCL in FP32";
  else
    target_text = "OPENCL_FP16 on " + on;
  return cv::dnn::DNN_TARGET_OPENCL_FP16;
}

class OpenCvBackend : public Backend {
 public:
  std::string framework() const override { return "opencv"; }
  std::string version() const override { return "OpenCV " + cv::getVersionString(); }
  std::vector<std::string> devices() const override { return device_names(); }

  std::string unavailable_reason(const EnvSpec& env) const override {
    const DeviceInfo* device = opencv::find_device(env.device);
    if (!device)
      return fmt::format("opencv has no device '{}' (it has {})", env.device,
                         fmt::join(device_names(), ", "));
    return opencv::unavailable_reason(*device);
  }

  std::map<std::string, std::string> worker_environment(const EnvSpec& env) const override {
    const DeviceInfo* device = opencv::find_device(env.device);
    return device ? opencv::worker_environment(*device) : std::map<std::string, std::string>{};
  }

  std::unique_ptr<Session> prepare(const PrepareRequest& request) const override {
    const EnvSpec& env = request.env;
    const std::string name = env.canonical();
    if (std::string why = unavailable_reason(env); !why.empty()) fail("{}: {}", name, why);
    for (const auto& [key, value] : env.options)
      if (key != "threads")
        fail("{}: unknown option '{}' for opencv (it knows: threads)", name, key);
    int threads = env.int_option("threads", request.threads);
    if (threads < 1) fail("{}: option threads={} must be at least 1", name, threads);
    NND_CHECK(request.model != nullptr, "opencv needs the parsed model for its input names");
    const DeviceInfo& device = *opencv::find_device(env.device);

    if (std::vector<std::string> above = opencv::features_above_cap(device); !above.empty())
      fail(
          "{}: OpenCV still dispatches to {}: the worker must start with "
          "OPENCV_CPU_DISABLE={} in its environment (Backend::worker_environment), since "
          "OpenCV reads it once when it loads",
          name, fmt::join(above, ", "), fmt::join(above, ","));
    std::string target_text = "CPU";
    int target = cv::dnn::DNN_TARGET_CPU;
    if (device.opencl) {
      try {
        target = opencl_target(device, name, target_text);
      } catch (const cv::Exception& error) {
        fail("{}: OpenCV could not set up OpenCL: {}", name, opencv::one_line(error));
      }
    }
    cv::setNumThreads(threads);

    std::string where = fmt::format("{}: {}", name, request.label);
    cv::dnn::Net net;
    try {
      net = cv::dnn::readNetFromONNX(request.onnx.data(), request.onnx.size());
      net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
      net.setPreferableTarget(target);
      net.enableFusion(env.opt > 0);
    } catch (const cv::Exception& error) {
      fail("{}: OpenCV refused the model: {}", where, opencv::one_line(error));
    }
    std::string description = fmt::format(
        "{} DNN, backend OPENCV, target {}, layer fusion {} (O{}; OpenCV has only this switch, "
        "so O1, O2 and O3 are the same), {} thread{}",
        version(), target_text, env.opt > 0 ? "on" : "off", env.opt, threads,
        threads == 1 ? "" : "s");
    if (!device.opencl) description += ", CPU dispatch (? = disabled): " + cv::getCPUFeaturesLine();
    auto session =
        std::make_unique<opencv::OpenCvSession>(std::move(net), *request.model, where, description);
    try {
      session->warm_up();
    } catch (const UserError& error) {
      fail("{} (on a first run with zero inputs, while preparing)", error.what());
    }
    return session;
  }
};

}  // namespace

const Backend& opencv_backend() {
  static const OpenCvBackend backend;
  return backend;
}

}  // namespace nnd::backends
