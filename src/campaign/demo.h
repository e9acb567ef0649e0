#pragma once
// The built-in demo campaign: every zoo model x the first Fashion-MNIST test images x every
// environment this machine can run (each framework/device at O2, plus the other levels on cpu;
// pytorch runs each model's TorchScript source), plus quantizing conversions (+qdq8, +int8w,
// +fp16w) under ref and ORT.
#include <string>

#include "campaign/config.h"

namespace nnd::campaign {

CampaignConfig demo_campaign(const std::string& zoo_dir, size_t images, const std::string& store);

}  // namespace nnd::campaign
