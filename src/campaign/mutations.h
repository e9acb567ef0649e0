#pragma once
// The mutants a campaign's [mutations] section asks for, for one model: made, checked, and
// described for the store. Would-be mutants (no applicable site, nothing changed) are planned too,
// with no environment, so that the store and the report list them; they are never run.
#include <string>
#include <vector>

#include "campaign/config.h"
#include "campaign/store.h"
#include "data/session.h"
#include "mutate/mutant.h"

namespace nnd::campaign {

struct PlannedMutant {
  mutate::Mutant mutant;
  MutantRecord record;
  std::vector<size_t> environments;  // indices into config.environments; empty: never run
};

struct MutationPlan {
  std::vector<PlannedMutant> mutants;
  std::vector<std::string> notes;  // what was left out and why
};

// An operator named in the campaign that has no site in the model, or a position past its last
// site, is a UserError naming the campaign line, the operator and the model; operators reached
// through a category are planned as would-be mutants instead.
MutationPlan plan_mutations(const CampaignConfig& config, const data::CardedModel& model);

// The store's record of a mutant.
MutantRecord mutant_record(const mutate::Mutant& mutant);

}  // namespace nnd::campaign
