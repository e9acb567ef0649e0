#pragma once
// The devices of the opencv framework and what each needs from the worker process. OpenCV reads
// some settings from the environment at fixed moments, so they cannot be changed in prepare:
// - OPENCV_CPU_DISABLE (the ISA cap of cpu-avx512/cpu-avx2/cpu-sse41) is read once, while
//   libopencv_core loads, i.e. before main(); it must be in the worker's environment at spawn.
// - OPENCV_OPENCL_DEVICE and OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES are read when OpenCV first
//   creates its OpenCL context and sets up a net; the parent passes them at spawn too, and
//   prepare sets them (unless already set) for in-process sessions.
#include <map>
#include <string>
#include <vector>

namespace nnd::backends::opencv {

struct DeviceInfo {
  std::string name;  // as spelled in an environment: "cpu", "cpu-avx2", "opencl", ...
  bool opencl = false;
  bool fp16 = false;                          // DNN_TARGET_OPENCL_FP16
  bool capped = false;                        // cpu with an ISA cap
  std::vector<std::string> cpuinfo_flags;     // /proc/cpuinfo flags the device needs
  std::vector<std::string> allowed_features;  // OpenCV CPU feature names allowed under the cap
};

// Every device the opencv framework knows, in the order `nndelta envs` lists them.
const std::vector<DeviceInfo>& all_devices();
// The device called `name`, or nullptr.
const DeviceInfo* find_device(const std::string& name);

// Empty when this machine can run `device`; otherwise one line saying why not. Does not
// create OpenCV's OpenCL context (that would fix its device choice before the variables apply).
std::string unavailable_reason(const DeviceInfo& device);

// The variables the worker for `device` must be started with.
std::map<std::string, std::string> worker_environment(const DeviceInfo& device);

// CPU features OpenCV's dispatcher uses in this process, as OpenCV names them ("AVX2").
std::vector<std::string> enabled_cpu_features();
// Features this process's OpenCV still uses that the cap of `device` forbids; empty when the
// cap is in force (or the device has none).
std::vector<std::string> features_above_cap(const DeviceInfo& device);

// For an OpenCL device: sets the variables that worker_environment gives, where not already set.
// Works in-process as long as OpenCV has not yet created its OpenCL context.
void set_opencl_environment_if_unset(const DeviceInfo& device);

}  // namespace nnd::backends::opencv
