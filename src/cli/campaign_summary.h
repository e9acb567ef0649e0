#pragma once
// What `nndelta run` and `nndelta demo` print before and after a campaign.
#include "campaign/config.h"
#include "campaign/scheduler.h"

namespace nnd::cli {

void print_campaign_plan(const campaign::CampaignConfig& config);
void print_campaign_summary(const campaign::CampaignSummary& summary);

}  // namespace nnd::cli
