#pragma once
// A campaign: the research's whole experiment as one TOML file (examples/*.toml): models, a
// dataset, environments (a list and/or a matrix), repetitions, timeouts, the store, and what to
// keep. Every key is checked: an unknown key or an impossible environment is a UserError naming
// the file, the key and its line.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backends/env_spec.h"
#include "worker/client.h"

namespace nnd::campaign {

struct SkippedEnvironment {
  std::string spec;
  std::string reason;
};

// Text from the campaign file with where it was written ("campaign.toml:12"), for errors found
// only when the campaign runs (a dataset key that is not among its inputs).
struct Located {
  std::string text;
  std::string where;
};

// [keep] intermediates: the inputs whose intermediate tensors a campaign keeps, from each run at
// repetition 0, and which values. Either the first `first` inputs of the dataset sample, or the
// inputs with these dataset keys.
struct IntermediatesSelection {
  int first = 0;
  std::vector<Located> keys;
  std::vector<Located> values;  // value names; empty: every value a node produces
  std::string where;            // of the `intermediates` key
  bool any() const { return first > 0 || !keys.empty(); }
};

// [mutations]: which mutants a campaign runs besides the original models (src/mutate). The
// operators named, and every operator of the categories named, at each position spec ("each": one
// mutant per site; "all"; "K"; "A-B"), on the environments named (default: all of the campaign's)
// and the models named (default: all).
struct MutationSelection {
  std::vector<Located> operators;
  std::vector<Located> categories;
  std::vector<Located> positions;         // default "each"
  std::vector<std::string> environments;  // canonical spellings, each one of the campaign's
  std::vector<std::string> models;        // resolved paths, each one of the campaign's
  std::string where;                      // of the [mutations] table
  bool any() const { return !operators.empty() || !categories.empty(); }
};

struct CampaignConfig {
  std::string path;                 // the TOML file
  std::string store;                // resolved against the file's folder
  std::vector<std::string> models;  // ONNX files, resolved; each has its card beside it
  std::string dataset;              // a dataset spec (`fashion-mnist:test,limit=100,seed=1`)
  std::vector<backends::EnvSpec> environments;  // expanded, deduplicated, runnable here
  std::vector<SkippedEnvironment> skipped;      // matrix cells this machine cannot run
  std::map<std::string, std::string> via;       // canonical spec -> command starting its worker
  int repetitions = 1;
  int jobs = 0;  // 0: one per core
  worker::Timeouts timeouts;
  int64_t loop_mutant_memory_mb = 4096;  // each loop-mutant worker's data limit
  int top_k = 5;
  bool keep_logits = false;
  IntermediatesSelection intermediates;
  MutationSelection mutations;
  // [dataset] shape = ["NAME:1x3x224x224"]: dims for inputs the model leaves symbolic, for
  // prepared tensors (data/feeds.h); as compare's --shape.
  std::vector<std::string> shapes;
};

CampaignConfig load_campaign(const std::string& path);
CampaignConfig parse_campaign(const std::string& toml_text, const std::string& path);

}  // namespace nnd::campaign
