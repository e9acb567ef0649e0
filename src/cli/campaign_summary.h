#pragma once
// What `nndelta run` and `nndelta demo` print before and after a campaign.
#include "campaign/config.h"
#include "campaign/scheduler.h"

namespace nnd::cli {

void print_campaign_plan(const campaign::CampaignConfig& config);
void print_campaign_summary(const campaign::CampaignSummary& summary);
// After the runs: the first divergent node of each diverging pair into the store
// (analysis/first_divergence.h), and one line saying what came of it. Not for a shard, whose
// store lacks the other shards' runs.
void locate_and_print_first_divergences(const campaign::CampaignConfig& config,
                                        const std::string& store, bool quiet);

}  // namespace nnd::cli
