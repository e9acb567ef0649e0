#include "backends/opencv/opencv_devices.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <opencv2/core/ocl.hpp>
#include <opencv2/core/utility.hpp>
#include <set>
#include <sstream>

namespace nnd::backends::opencv {

namespace {

// OpenCV's feature names (cv::getHardwareFeatureName) allowed under each cap. Everything else
// the CPU has, OpenCV's dispatcher must leave alone.
const std::vector<std::string> kSse41Features = {"MMX", "SSE", "SSE2", "SSE3", "SSSE3", "SSE4.1"};

std::vector<std::string> joined(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::vector<std::string> kAvx2Features =
    joined(kSse41Features, {"SSE4.2", "POPCNT", "FP16", "AVX", "AVX2", "FMA3"});
// AVX-512 as in Skylake-X: what OpenCV's AVX512_SKX dispatch level uses, and no later extension.
const std::vector<std::string> kAvx512Features = joined(
    kAvx2Features,
    {"AVX512F", "AVX512BW", "AVX512CD", "AVX512DQ", "AVX512VL", "AVX512-COMMON", "AVX512-SKX"});

std::set<std::string> cpuinfo_flags() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    return {std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
  }
  return {};
}

// True when some OpenCL device of `type` exists; enumerates platforms without creating
// OpenCV's default context.
bool have_opencl_device(int type) {
  std::vector<cv::ocl::PlatformInfo> platforms;
  cv::ocl::getPlatfomsInfo(platforms);
  for (const cv::ocl::PlatformInfo& platform : platforms) {
    for (int i = 0; i < platform.deviceNumber(); ++i) {
      cv::ocl::Device device;
      platform.getDevice(device, i);
      if (device.type() & type) return true;
    }
  }
  return false;
}

}  // namespace

const std::vector<DeviceInfo>& all_devices() {
  static const std::vector<DeviceInfo> devices = {
      {"cpu", false, false, false, {}, {}},
      {"cpu-avx512",
       false,
       false,
       true,
       {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"},
       kAvx512Features},
      {"cpu-avx2", false, false, true, {"avx2", "fma"}, kAvx2Features},
      {"cpu-sse41", false, false, true, {"sse4_1"}, kSse41Features},
      {"opencl", true, false, false, {}, {}},
      {"opencl-fp16", true, true, false, {}, {}},
  };
  return devices;
}

const DeviceInfo* find_device(const std::string& name) {
  for (const DeviceInfo& device : all_devices())
    if (device.name == name) return &device;
  return nullptr;
}

std::string unavailable_reason(const DeviceInfo& device) {
  if (device.opencl) {
    if (!cv::ocl::haveOpenCL()) return "OpenCV finds no OpenCL runtime on this machine";
    if (!have_opencl_device(cv::ocl::Device::TYPE_ALL)) return "no OpenCL device on this machine";
    return {};
  }
  std::set<std::string> flags = cpuinfo_flags();
  std::vector<std::string> missing;
  for (const std::string& flag : device.cpuinfo_flags)
    if (!flags.count(flag)) missing.push_back(flag);
  if (!missing.empty())
    return fmt::format("this CPU lacks {} (/proc/cpuinfo flags)", fmt::join(missing, ", "));
  return {};
}

std::map<std::string, std::string> worker_environment(const DeviceInfo& device) {
  std::map<std::string, std::string> env;
  if (device.capped) {
    std::vector<std::string> disable = features_above_cap(device);
    if (!disable.empty())
      env.emplace("OPENCV_CPU_DISABLE", fmt::format("{}", fmt::join(disable, ",")));
  }
  if (device.opencl) {
    // OpenCV's DNN runs OpenCL only on GPUs unless told otherwise, and silently falls back to
    // the CPU target; PoCL (a CPU device) is the only OpenCL device on machines without a GPU.
    env.emplace("OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES", "1");
    if (!have_opencl_device(cv::ocl::Device::TYPE_GPU))
      env.emplace("OPENCV_OPENCL_DEVICE", ":CPU:");
  }
  return env;
}

std::vector<std::string> enabled_cpu_features() {
  std::vector<std::string> names;
  for (int id = 1; id < CV_HARDWARE_MAX_FEATURE; ++id) {
    if (!cv::checkHardwareSupport(id)) continue;
    std::string name = cv::getHardwareFeatureName(id);
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

std::vector<std::string> features_above_cap(const DeviceInfo& device) {
  std::vector<std::string> above;
  if (!device.capped) return above;
  for (const std::string& name : enabled_cpu_features())
    if (std::find(device.allowed_features.begin(), device.allowed_features.end(), name) ==
        device.allowed_features.end())
      above.push_back(name);
  return above;
}

void set_opencl_environment_if_unset(const DeviceInfo& device) {
  if (!device.opencl) return;
  for (const auto& [key, value] : worker_environment(device))
    setenv(key.c_str(), value.c_str(), /*overwrite=*/0);
}

}  // namespace nnd::backends::opencv
