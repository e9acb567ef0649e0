#include "data/card.h"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"

namespace nnd::data {

namespace {

// Reads one table's keys, remembering which were used so that the rest can be reported.
class CardReader {
 public:
  CardReader(const toml::table& table, const std::string& path) : table_(table), path_(path) {}

  const toml::node* find(const std::string& key) {
    used_.insert(key);
    return table_.get(key);
  }

  std::string text(const std::string& key, std::optional<std::string> fallback = {}) {
    const toml::node* node = find(key);
    if (!node) return fallback ? *fallback : missing(key);
    if (!node->is_string()) fail("{}: key '{}' must be a string", path_, key);
    return node->as_string()->get();
  }

  int integer(const std::string& key, std::optional<int> fallback = {}) {
    const toml::node* node = find(key);
    if (!node) {
      if (fallback) return *fallback;
      missing(key);
    }
    if (!node->is_integer()) fail("{}: key '{}' must be an integer", path_, key);
    int64_t value = node->as_integer()->get();
    if (value < 0 || value > 1'000'000)
      fail("{}: key '{}' = {} is out of range (0 to 1000000)", path_, key, value);
    return static_cast<int>(value);
  }

  double number(const std::string& key) {
    const toml::node* node = find(key);
    if (!node) missing(key);
    if (auto v = node->value<double>()) return *v;  // integers convert too
    fail("{}: key '{}' must be a number", path_, key);
  }

  // A number or an array of numbers.
  std::vector<double> numbers(const std::string& key) {
    const toml::node* node = find(key);
    if (!node) missing(key);
    if (auto v = node->value<double>()) return {*v};
    std::vector<double> values;
    if (const toml::array* array = node->as_array())
      for (const toml::node& item : *array) {
        auto v = item.value<double>();
        if (!v) fail("{}: key '{}' must hold numbers only", path_, key);
        values.push_back(*v);
      }
    else
      fail("{}: key '{}' must be a number or an array of numbers", path_, key);
    if (values.empty()) fail("{}: key '{}' is an empty array", path_, key);
    return values;
  }

  std::vector<std::string> strings(const std::string& key) {
    const toml::node* node = find(key);
    if (!node) missing(key);
    const toml::array* array = node->as_array();
    if (!array) fail("{}: key '{}' must be an array of strings", path_, key);
    std::vector<std::string> values;
    for (const toml::node& item : *array) {
      if (!item.is_string()) fail("{}: key '{}' must hold strings only", path_, key);
      values.push_back(item.as_string()->get());
    }
    return values;
  }

  void reject_unknown_keys() const {
    for (const auto& [key, node] : table_)
      if (!used_.count(std::string(key.str())))
        fail("{}: unknown key '{}' in the model card", path_, key.str());
  }

 private:
  [[noreturn]] std::string missing(const std::string& key) const {
    fail("{}: the model card lacks the required key '{}'", path_, key);
  }

  const toml::table& table_;
  const std::string& path_;
  std::set<std::string> used_;
};

std::vector<double> per_channel(std::vector<double> values, int channels, const char* key,
                                const std::string& path) {
  if (values.size() == 1) values.assign(static_cast<size_t>(channels), values[0]);
  if (values.size() != static_cast<size_t>(channels))
    fail("{}: key '{}' has {} values for {} channel(s)", path, key, values.size(), channels);
  return values;
}

void read_training(const toml::node* node, ModelCard& card) {
  if (!node) return;
  const toml::table* table = node->as_table();
  if (!table) fail("{}: key 'training' must be a table", card.path);
  for (const auto& [key, value] : *table) {
    std::string name(key.str());
    if (auto number = value.value<double>())
      card.training[name] = *number;
    else if (value.is_string())
      card.training_text[name] = value.as_string()->get();
    else
      fail("{}: key 'training.{}' must be a number or a string", card.path, name);
  }
}

}  // namespace

Shape ModelCard::input_shape() const {
  if (layout == Layout::kNCHW) return {1, channels, height, width};
  return {1, height, width, channels};
}

std::string ModelCard::torchscript_path() const {
  if (torchscript.empty()) return {};
  const std::filesystem::path file(torchscript);
  if (file.is_absolute()) return file.string();
  return (std::filesystem::path(path).parent_path() / file).string();
}

ModelCard parse_card(const std::string& toml_text, const std::string& path) {
  toml::table table;
  try {
    table = toml::parse(toml_text, path);
  } catch (const toml::parse_error& e) {
    fail("{}:{}:{}: not a valid TOML model card: {}", path, e.source().begin.line,
         e.source().begin.column, e.description());
  }
  ModelCard card;
  card.path = path;
  CardReader read(table, path);
  card.name = read.text("name");
  card.family = read.text("family", "");
  card.description = read.text("description", "");
  card.input = read.text("input");
  card.output = read.text("output");
  std::string layout = read.text("layout");
  if (layout == "NCHW")
    card.layout = Layout::kNCHW;
  else if (layout == "NHWC")
    card.layout = Layout::kNHWC;
  else
    fail("{}: key 'layout' = '{}' is not NCHW or NHWC", path, layout);
  card.height = read.integer("height");
  card.width = read.integer("width");
  if (card.height == 0 || card.width == 0) fail("{}: height and width must be positive", path);
  card.channels = read.integer("channels");
  if (card.channels != 1 && card.channels != 3)
    fail("{}: key 'channels' = {} is not 1 or 3", path, card.channels);
  std::string order = read.text("channel_order", "RGB");
  if (order == "RGB")
    card.channel_order = ChannelOrder::kRGB;
  else if (order == "BGR")
    card.channel_order = ChannelOrder::kBGR;
  else
    fail("{}: key 'channel_order' = '{}' is not RGB or BGR", path, order);
  card.resize = read.integer("resize", std::max(card.height, card.width));
  if (card.resize < std::max(card.height, card.width))
    fail("{}: key 'resize' = {} is smaller than the {}x{} crop", path, card.resize, card.height,
         card.width);
  card.scale = read.number("scale");
  card.mean = per_channel(read.numbers("mean"), card.channels, "mean", path);
  card.std = per_channel(read.numbers("std"), card.channels, "std", path);
  for (double s : card.std)
    if (!(s > 0)) fail("{}: key 'std' has a value {} that is not positive", path, s);
  card.label_offset = read.integer("label_offset", 0);
  card.labels = read.strings("labels");
  if (card.labels.empty()) fail("{}: key 'labels' is empty", path);
  std::set<std::string> seen;
  for (const std::string& label : card.labels)
    if (!seen.insert(label).second) fail("{}: label '{}' appears twice in 'labels'", path, label);
  card.torchscript = read.text("torchscript", "");
  read_training(read.find("training"), card);
  read.reject_unknown_keys();
  return card;
}

ModelCard load_card(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail("{}: no model card here", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open model card", path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_card(text.str(), path);
}

std::string card_path_for(const std::string& model_path) {
  return std::filesystem::path(model_path).replace_extension(".toml").string();
}

ModelCard card_from_model(const Model& model, const std::string& model_path) {
  ModelCard card;
  card.path = model_path + " (no card)";
  card.name = std::filesystem::path(model_path).stem().string();
  card.from_model = true;
  for (const ValueInfo& in : model.graph.inputs)
    if (!model.graph.initializers.count(in.name)) {
      card.input = in.name;
      break;
    }
  if (model.graph.outputs.empty()) fail("{}: the model has no outputs", model_path);
  card.output = model.graph.outputs.front().name;
  return card;
}

void check_card_matches_model(const ModelCard& card, const Model& model,
                              const std::string& model_path) {
  const auto& inputs = model.graph.inputs;
  auto in = std::find_if(inputs.begin(), inputs.end(),
                         [&](const ValueInfo& v) { return v.name == card.input; });
  if (in == inputs.end()) {
    std::string names;
    for (const ValueInfo& v : inputs) names += (names.empty() ? "'" : ", '") + v.name + "'";
    fail("{}: input '{}' is not an input of {} (it has {})", card.path, card.input, model_path,
         names);
  }
  if (in->dtype && *in->dtype != DType::kFloat32)
    fail("{}: input '{}' of {} is {}, but the card describes a float32 image tensor", card.path,
         card.input, model_path, dtype_name(*in->dtype));
  const Shape expected = card.input_shape();
  if (in->dims) {
    bool same = in->dims->size() == expected.size();
    for (size_t i = 0; same && i < expected.size(); ++i) {
      const Dim& d = (*in->dims)[i];
      // A symbolic or unknown batch dimension is fed one image at a time.
      same = d.known() ? d.value == expected[i] : i == 0;
    }
    if (!same) {
      std::vector<std::string> dims;
      for (const Dim& d : *in->dims)
        dims.push_back(d.known() ? std::to_string(d.value) : d.symbol.empty() ? "?" : d.symbol);
      fail("{}: describes input '{}' as {}, but {} declares [{}]", card.path, card.input,
           shape_string(expected), model_path, fmt::join(dims, ","));
    }
  }
  const auto& outputs = model.graph.outputs;
  auto out = std::find_if(outputs.begin(), outputs.end(),
                          [&](const ValueInfo& v) { return v.name == card.output; });
  if (out == outputs.end())
    fail("{}: output '{}' is not an output of {}", card.path, card.output, model_path);
  if (out->dims && !out->dims->empty() && out->dims->back().known()) {
    const int64_t classes = out->dims->back().value;
    const auto needed = static_cast<int64_t>(card.label_offset + card.labels.size());
    if (classes < needed)
      fail("{}: label_offset {} + {} labels need {} scores, but output '{}' of {} has {}",
           card.path, card.label_offset, card.labels.size(), needed, card.output, model_path,
           classes);
  }
}

}  // namespace nnd::data
