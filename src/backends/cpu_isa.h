#pragma once
// ISA caps for the LibTorch-based frameworks (torch, pytorch): devices cpu-sse41 / cpu-avx2 /
// cpu-avx512 cap oneDNN (ONEDNN_MAX_CPU_ISA) and ATen's kernels (ATEN_CPU_CAPABILITY). Both
// libraries read their variable once per process, before their first call, so a worker process
// holds one cap for every LibTorch session it hosts, whichever of the two frameworks made it.
// No LibTorch header here: this file compiles fast.
#include <string>

namespace nnd::backends {

// True for cpu-sse41, cpu-avx2 and cpu-avx512.
bool is_isa_capped_device(const std::string& device);

// Empty when this CPU has the ISA `device` needs; otherwise one line naming the missing flag.
// `framework` names who asks, for the message when the device is unknown.
std::string isa_unavailable_reason(const std::string& framework, const std::string& device);

// Caps oneDNN and ATen for `device` ("cpu" and "cuda": no cap) before they initialise. A later
// session in the same process must ask for the same cap: a UserError naming env_name otherwise.
void apply_isa_cap(const std::string& env_name, const std::string& device);

}  // namespace nnd::backends
