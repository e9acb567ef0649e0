#include "campaign/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>

#include "core/error.h"
#include "data/feeds.h"
#include "mutate/catalogue.h"
#include "mutate/position.h"
#include "worker/launch.h"

namespace fs = std::filesystem;

namespace nnd::campaign {

namespace {

// Where a TOML node is, for messages: "campaign.toml:12".
std::string at(const std::string& path, const toml::source_region& where) {
  return fmt::format("{}:{}", path, where.begin.line);
}

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  // Fails on any key of `table` outside `allowed`, naming it and its line.
  void only(const toml::table& table, const std::string& prefix,
            const std::set<std::string>& allowed) const {
    for (const auto& [key, node] : table)
      if (!allowed.count(std::string(key.str())))
        fail("{}: unknown key '{}{}'", at(path_, key.source()), prefix, key.str());
  }

  const toml::table* table(const toml::table& parent, const std::string& key) const {
    const toml::node* node = parent.get(key);
    if (!node) return nullptr;
    if (!node->is_table()) fail("{}: '{}' must be a table", at(path_, node->source()), key);
    return node->as_table();
  }

  template <typename T>
  std::optional<T> value(const toml::table& parent, const std::string& key,
                         const std::string& what) const {
    const toml::node* node = parent.get(key);
    if (!node) return std::nullopt;
    std::optional<T> v = node->value<T>();
    if (!v || (std::is_same_v<T, int64_t> && !node->is_integer()))
      fail("{}: '{}' must be {}", at(path_, node->source()), key, what);
    return v;
  }

  // A string or an array of strings, with each entry's line.
  std::vector<std::pair<std::string, toml::source_region>> strings(const toml::table& parent,
                                                                   const std::string& key) const {
    std::vector<std::pair<std::string, toml::source_region>> out;
    const toml::node* node = parent.get(key);
    if (!node) return out;
    if (node->is_string()) return {{*node->value<std::string>(), node->source()}};
    const toml::array* array = node->as_array();
    if (!array)
      fail("{}: '{}' must be a string or an array of strings", at(path_, node->source()), key);
    for (const toml::node& item : *array) {
      if (!item.is_string())
        fail("{}: every entry of '{}' must be a string", at(path_, item.source()), key);
      out.emplace_back(*item.value<std::string>(), item.source());
    }
    return out;
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Glob match with '*' (any run of characters), for matrix exclusions.
bool glob_match(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  if (pattern[0] == '*')
    return glob_match(pattern.substr(1), text) ||
           (!text.empty() && glob_match(pattern, text.substr(1)));
  return !text.empty() && pattern[0] == text[0] && glob_match(pattern.substr(1), text.substr(1));
}

bool knows_device(const backends::EnvSpec& env) {
  for (const worker::FrameworkInfo& fw : worker::frameworks())
    if (fw.framework == env.framework)
      return std::find(fw.devices.begin(), fw.devices.end(), env.device) != fw.devices.end();
  return false;
}

// Whether the framework exists and some framework has the device.
bool known_anywhere(const std::string& framework, const std::string& device) {
  bool framework_known = false, device_known = false;
  for (const worker::FrameworkInfo& fw : worker::frameworks()) {
    framework_known |= fw.framework == framework;
    device_known |= std::find(fw.devices.begin(), fw.devices.end(), device) != fw.devices.end();
  }
  return framework_known && device_known;
}

backends::EnvSpec checked_env(const Reader& r, const std::string& text,
                              const toml::source_region& where, const std::string& key) {
  backends::EnvSpec env;
  try {
    env = backends::EnvSpec::parse(text);
  } catch (const UserError& e) {
    fail("{}: {}: {}", at(r.path(), where), key, e.what());
  }
  if (!knows_device(env))
    fail("{}: {}: '{}' is not a known framework and device (see nndelta envs)", at(r.path(), where),
         key, env.canonical());
  return env;
}

void add_matrix(const Reader& r, const toml::table& m, CampaignConfig& config,
                std::set<std::string>& seen) {
  r.only(m, "environments.matrix.",
         {"framework", "device", "opt", "transform", "options", "exclude"});
  auto frameworks = r.strings(m, "framework");
  if (frameworks.empty())
    fail("{}: environments.matrix needs 'framework'", at(r.path(), m.source()));
  auto devices = r.strings(m, "device");
  if (devices.empty()) devices.emplace_back("cpu", m.source());
  auto opts = r.strings(m, "opt");
  if (opts.empty()) opts.emplace_back("O2", m.source());
  auto transforms = r.strings(m, "transform");
  if (transforms.empty()) transforms.emplace_back("", m.source());
  auto options = r.strings(m, "options");
  if (options.empty()) options.emplace_back("", m.source());
  auto excludes = r.strings(m, "exclude");
  for (const auto& [fw, fw_at] : frameworks)
    for (const auto& [dev, dev_at] : devices)
      for (const auto& [opt, opt_at] : opts)
        for (const auto& [tr, tr_at] : transforms)
          for (const auto& [opt_kv, kv_at] : options) {
            const std::string text = fmt::format("{}{}{}@{}:{}{}{}", fw, tr.empty() ? "" : "+", tr,
                                                 dev, opt, opt_kv.empty() ? "" : ",", opt_kv);
            backends::EnvSpec env;
            try {
              env = backends::EnvSpec::parse(text);
            } catch (const UserError& e) {
              fail("{}: environments.matrix: {}", at(r.path(), opt_at), e.what());
            }
            const std::string spec = env.canonical();
            if (std::any_of(excludes.begin(), excludes.end(),
                            [&](const auto& ex) { return glob_match(ex.first, spec); }))
              continue;
            if (std::string why = worker::unavailable_reason(env); !why.empty()) {
              if (!knows_device(env)) {
                // A matrix crosses every framework with every device; a pair one framework does
                // not have is skipped, but a name no framework knows is a typo.
                if (!known_anywhere(env.framework, env.device))
                  fail(
                      "{}: environments.matrix: '{}' names an unknown framework or device (see "
                      "nndelta envs)",
                      at(r.path(), dev_at), spec);
                why = fmt::format("{} has no device '{}'", env.framework, env.device);
              }
              config.skipped.push_back({spec, why});
              continue;
            }
            if (seen.insert(spec).second) config.environments.push_back(env);
          }
}

// [[environments.remote]] spec = "torch@cuda:O2", via = "ssh gpu-box nndelta worker": the parent
// starts `sh -c VIA` and speaks the worker protocol over its pipes.
void add_remote(const Reader& r, const toml::table& envs, CampaignConfig& config,
                std::set<std::string>& seen) {
  const toml::node* node = envs.get("remote");
  if (!node) return;
  const toml::array* remotes = node->as_array();
  if (!remotes)
    fail("{}: environments.remote must be an array of tables ([[environments.remote]])",
         at(r.path(), node->source()));
  for (const toml::node& item : *remotes) {
    const toml::table* remote = item.as_table();
    if (!remote)
      fail("{}: every environments.remote entry must be a table", at(r.path(), item.source()));
    r.only(*remote, "environments.remote.", {"spec", "via"});
    auto spec = r.value<std::string>(*remote, "spec", "an environment");
    auto via = r.value<std::string>(*remote, "via", "a shell command");
    if (!spec || !via || via->empty())
      fail("{}: environments.remote needs 'spec' and 'via'", at(r.path(), remote->source()));
    backends::EnvSpec env =
        checked_env(r, *spec, remote->get("spec")->source(), "environments.remote");
    if (!seen.insert(env.canonical()).second)
      fail("{}: environments.remote: '{}' is already in the campaign",
           at(r.path(), remote->source()), env.canonical());
    config.environments.push_back(env);
    config.via[env.canonical()] = *via;
  }
}

// [keep] intermediates = 4 (the first inputs of the sample) or ["fashion-mnist:test#3", ...]
// (dataset keys), and intermediate_values = ["name", ...] (default: every value).
IntermediatesSelection read_intermediates(const Reader& r, const toml::table& keep) {
  IntermediatesSelection selection;
  const toml::node* node = keep.get("intermediates");
  if (!node) {
    if (const toml::node* values = keep.get("intermediate_values"))
      fail("{}: keep.intermediate_values needs keep.intermediates (which inputs)",
           at(r.path(), values->source()));
    return selection;
  }
  selection.where = at(r.path(), node->source());
  if (node->is_integer()) {
    const int64_t first = *node->value<int64_t>();
    if (first < 1 || first > std::numeric_limits<int>::max())
      fail("{}: keep.intermediates must be a positive number of inputs", selection.where);
    selection.first = static_cast<int>(first);
  } else if (node->is_string() || node->is_array()) {
    std::set<std::string> seen;
    for (auto& [key, where] : r.strings(keep, "intermediates")) {
      if (!seen.insert(key).second)
        fail("{}: keep.intermediates names '{}' twice", at(r.path(), where), key);
      selection.keys.push_back({key, at(r.path(), where)});
    }
    if (selection.keys.empty())
      fail("{}: keep.intermediates is empty; leave it out to keep none", selection.where);
  } else {
    fail(
        "{}: 'intermediates' must be a number of inputs (the first of the dataset) or an array of "
        "dataset keys such as [\"fashion-mnist:test#3\"]",
        selection.where);
  }
  std::set<std::string> seen;
  for (auto& [name, where] : r.strings(keep, "intermediate_values")) {
    if (name.empty()) fail("{}: keep.intermediate_values has an empty name", at(r.path(), where));
    if (!seen.insert(name).second)
      fail("{}: keep.intermediate_values names '{}' twice", at(r.path(), where), name);
    selection.values.push_back({name, at(r.path(), where)});
  }
  return selection;
}

// [mutations] operators = [...], categories = [...], positions = [...], environments = [...],
// models = [...]. Names are checked here; sites, which need the model, when the campaign runs.
MutationSelection read_mutations(const Reader& r, const toml::table& table,
                                 const CampaignConfig& config,
                                 const std::function<std::string(const std::string&)>& resolve) {
  r.only(table, "mutations.", {"operators", "categories", "positions", "environments", "models"});
  MutationSelection m;
  m.where = at(r.path(), table.source());
  for (auto& [id, where] : r.strings(table, "operators")) {
    if (!mutate::find_operator(id))
      fail(
          "{}: mutations.operators: unknown mutation operator '{}' (see nndelta mutants operators)",
          at(r.path(), where), id);
    m.operators.push_back({id, at(r.path(), where)});
  }
  for (auto& [id, where] : r.strings(table, "categories")) {
    if (!mutate::find_category(id))
      fail(
          "{}: mutations.categories: unknown mutation category '{}' (see nndelta mutants "
          "operators)",
          at(r.path(), where), id);
    m.categories.push_back({id, at(r.path(), where)});
  }
  if (!m.any())
    fail("{}: [mutations] needs 'operators' or 'categories' (see nndelta mutants operators)",
         m.where);
  for (auto& [text, where] : r.strings(table, "positions")) {
    try {
      if (text != "each") mutate::Position::parse(text);
    } catch (const UserError& e) {
      fail("{}: mutations.positions: {}", at(r.path(), where), e.what());
    }
    m.positions.push_back({text, at(r.path(), where)});
  }
  if (m.positions.empty()) m.positions.push_back({"each", m.where});
  for (auto& [text, where] : r.strings(table, "environments")) {
    const std::string spec = checked_env(r, text, where, "mutations.environments").canonical();
    if (std::none_of(config.environments.begin(), config.environments.end(),
                     [&](const backends::EnvSpec& e) { return e.canonical() == spec; }))
      fail("{}: mutations.environments: '{}' is not one of the campaign's environments",
           at(r.path(), where), spec);
    m.environments.push_back(spec);
  }
  for (auto& [path, where] : r.strings(table, "models")) {
    const std::string resolved = resolve(path);
    if (std::find(config.models.begin(), config.models.end(), resolved) == config.models.end())
      fail("{}: mutations.models: '{}' is not one of the campaign's models", at(r.path(), where),
           path);
    m.models.push_back(resolved);
  }
  return m;
}

}  // namespace

CampaignConfig parse_campaign(const std::string& toml_text, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(toml_text, path);
  } catch (const toml::parse_error& e) {
    fail("{}: {}", at(path, e.source()), e.description());
  }
  Reader r(path);
  CampaignConfig config;
  config.path = path;
  const fs::path base = fs::path(path).parent_path();
  auto resolve = [&](const std::string& p) {
    return fs::path(p).is_absolute() ? p : (base / p).lexically_normal().string();
  };
  r.only(root, "", {"store", "models", "dataset", "environments", "run", "keep", "mutations"});

  std::optional<std::string> store = r.value<std::string>(root, "store", "a file name");
  config.store = resolve(store.value_or(fs::path(path).stem().string() + ".db"));

  for (const auto& [model, where] : r.strings(root, "models")) {
    config.models.push_back(resolve(model));
    if (!fs::exists(config.models.back()))
      fail("{}: models: no such file {}", at(path, where), config.models.back());
  }
  if (config.models.empty()) fail("{}: 'models' must name at least one ONNX file", path);

  const toml::table* dataset = r.table(root, "dataset");
  if (!dataset) fail("{}: a [dataset] table with 'spec' is required", path);
  r.only(*dataset, "dataset.", {"spec", "limit", "seed", "shape"});
  std::optional<std::string> spec = r.value<std::string>(*dataset, "spec", "a dataset spec");
  if (!spec) fail("{}: dataset.spec is required (e.g. \"fashion-mnist:test\")", path);
  config.dataset = *spec;
  if (auto limit = r.value<int64_t>(*dataset, "limit", "a positive integer")) {
    if (*limit <= 0)
      fail("{}: dataset.limit must be positive", at(path, dataset->get("limit")->source()));
    config.dataset += fmt::format(",limit={}", *limit);
  }
  if (auto seed = r.value<int64_t>(*dataset, "seed", "an integer"))
    config.dataset += fmt::format(",seed={}", *seed);
  // shape = ["NAME:1x3x224x224"]: dims the models leave symbolic, for prepared tensors.
  for (auto& [text, where] : r.strings(*dataset, "shape")) {
    try {
      data::parse_shapes({text});
    } catch (const UserError& e) {
      fail("{}: dataset.shape: {}", at(path, where), e.what());
    }
    config.shapes.push_back(text);
  }

  std::set<std::string> seen;
  if (const toml::table* envs = r.table(root, "environments")) {
    r.only(*envs, "environments.", {"list", "matrix", "remote"});
    for (const auto& [text, where] : r.strings(*envs, "list")) {
      backends::EnvSpec env = checked_env(r, text, where, "environments.list");
      if (std::string why = worker::unavailable_reason(env); !why.empty())
        fail("{}: environments.list: '{}' cannot run here: {}", at(path, where), env.canonical(),
             why);
      if (seen.insert(env.canonical()).second) config.environments.push_back(env);
    }
    if (const toml::table* matrix = r.table(*envs, "matrix")) add_matrix(r, *matrix, config, seen);
    add_remote(r, *envs, config, seen);
  }
  if (config.environments.empty())
    fail("{}: no environment to run: give environments.list or environments.matrix", path);

  if (const toml::table* run = r.table(root, "run")) {
    r.only(*run, "run.",
           {"repetitions", "jobs", "timeout_hello_s", "timeout_prepare_s", "timeout_infer_s",
            "loop_mutant_memory_mb"});
    config.repetitions =
        static_cast<int>(r.value<int64_t>(*run, "repetitions", "an integer").value_or(1));
    if (config.repetitions < 1)
      fail("{}: run.repetitions must be at least 1", at(path, run->get("repetitions")->source()));
    config.jobs = static_cast<int>(r.value<int64_t>(*run, "jobs", "an integer").value_or(0));
    auto seconds = [&](const char* key, std::chrono::milliseconds fallback) {
      std::optional<double> s = r.value<double>(*run, key, "a number of seconds");
      if (s && *s <= 0) fail("{}: run.{} must be positive", at(path, run->get(key)->source()), key);
      return s ? std::chrono::milliseconds(static_cast<int64_t>(*s * 1000)) : fallback;
    };
    config.timeouts.hello = seconds("timeout_hello_s", config.timeouts.hello);
    config.timeouts.prepare = seconds("timeout_prepare_s", config.timeouts.prepare);
    config.timeouts.infer = seconds("timeout_infer_s", config.timeouts.infer);
    config.loop_mutant_memory_mb =
        r.value<int64_t>(*run, "loop_mutant_memory_mb", "an integer (MiB)")
            .value_or(config.loop_mutant_memory_mb);
    if (config.loop_mutant_memory_mb < 64)
      fail("{}: run.loop_mutant_memory_mb must be at least 64",
           at(path, run->get("loop_mutant_memory_mb")->source()));
  }
  if (const toml::table* keep = r.table(root, "keep")) {
    r.only(*keep, "keep.", {"top_k", "logits", "intermediates", "intermediate_values"});
    config.top_k = static_cast<int>(r.value<int64_t>(*keep, "top_k", "an integer").value_or(5));
    if (config.top_k < 1)
      fail("{}: keep.top_k must be at least 1", at(path, keep->get("top_k")->source()));
    config.keep_logits = r.value<bool>(*keep, "logits", "true or false").value_or(false);
    config.intermediates = read_intermediates(r, *keep);
  }
  if (const toml::table* mutations = r.table(root, "mutations"))
    config.mutations = read_mutations(r, *mutations, config, resolve);
  return config;
}

CampaignConfig load_campaign(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("{}: cannot open campaign file", path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_campaign(text.str(), path);
}

}  // namespace nnd::campaign
