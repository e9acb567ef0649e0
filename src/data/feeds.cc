#include "data/feeds.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.h"
#include "data/npy_bytes.h"
#include "data/npz.h"
#include "onnx/tensor_proto.h"

namespace nnd::data {

namespace fs = std::filesystem;

namespace {

std::string spec_string(const Shape& shape) {
  std::vector<std::string> dims;
  for (int64_t d : shape) dims.push_back(d < 0 ? "?" : std::to_string(d));
  return fmt::format("[{}]", fmt::join(dims, ","));
}

bool fits(const Shape& shape, const InputSpec& input) {
  if (shape.size() != input.shape.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i)
    if (input.shape[i] >= 0 && input.shape[i] != shape[i]) return false;
  return true;
}

void check_tensor(const Tensor& t, const InputSpec& input, const std::string& source) {
  if (t.dtype() != input.dtype)
    fail("{}: tensor for input '{}' is {}, but the model's input is {}", source, input.name,
         dtype_name(t.dtype()), dtype_name(input.dtype));
  if (!fits(t.shape(), input))
    fail("{}: tensor for input '{}' has shape {}, but the model's input is {}", source, input.name,
         shape_string(t.shape()), spec_string(input.shape));
}

// The input sets one array gives for one input (see npy: in feeds.h).
std::vector<Tensor> split_rows(const Tensor& array, const InputSpec& input,
                               const std::string& source) {
  if (array.dtype() != input.dtype)
    fail("{}: array for input '{}' is {}, but the model's input is {}", source, input.name,
         dtype_name(array.dtype()), dtype_name(input.dtype));
  const Shape& shape = array.shape();
  const bool rows_of_inputs = shape.size() == input.shape.size() + 1;
  const bool rows_of_batch_one =
      shape.size() == input.shape.size() && !shape.empty() && input.shape[0] <= 1 && shape[0] != 1;
  if (!rows_of_inputs && !rows_of_batch_one) {
    check_tensor(array, input, source);
    return {array};
  }
  Shape row(shape.begin() + 1, shape.end());
  if (rows_of_batch_one) row.insert(row.begin(), 1);
  if (!fits(row, input))
    fail("{}: array of shape {} gives rows of shape {}, but the model's input '{}' is {}", source,
         shape_string(shape), shape_string(row), input.name, spec_string(input.shape));
  const size_t bytes = array.bytes().size() / static_cast<size_t>(std::max<int64_t>(shape[0], 1));
  std::vector<Tensor> rows;
  for (int64_t i = 0; i < shape[0]; ++i) {
    Tensor t(array.dtype(), row);
    std::copy_n(array.bytes().begin() + static_cast<std::ptrdiff_t>(i * bytes), bytes,
                t.mutable_bytes().begin());
    rows.push_back(std::move(t));
  }
  return rows;
}

std::vector<int64_t> read_labels(const std::string& path, size_t rows) {
  std::ifstream in(path);
  if (!in) fail("{}: cannot open labels file", path);
  std::vector<int64_t> labels;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    int64_t value = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (ec != std::errc() || end != line.data() + line.size())
      fail("{}:{}: '{}' is not an integer label", path, number, line);
    labels.push_back(value);
  }
  if (labels.size() != rows)
    fail("{} has {} labels but the .npy file gives {} inputs", path, labels.size(), rows);
  return labels;
}

std::string file_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: no such file", path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<Feed> npy_feeds(const std::string& path, const std::vector<InputSpec>& inputs) {
  if (inputs.size() != 1)
    fail("{}: an .npy file feeds a model with one input; this one has {} (use npz: or pb:)", path,
         inputs.size());
  std::vector<Tensor> rows = split_rows(parse_npy(file_of(path), path), inputs[0], path);
  std::vector<int64_t> labels;
  std::error_code ec;
  if (fs::exists(path + ".labels", ec)) labels = read_labels(path + ".labels", rows.size());
  std::vector<Feed> feeds;
  for (size_t i = 0; i < rows.size(); ++i) {
    Feed f{fmt::format("npy:{}#{}", path, i), {{inputs[0].name, std::move(rows[i])}}, {}};
    if (!labels.empty()) f.label = Label{labels[i], {}};
    feeds.push_back(std::move(f));
  }
  return feeds;
}

std::vector<Feed> npz_feeds(const std::string& path, const std::vector<InputSpec>& inputs) {
  std::map<std::string, Tensor> arrays = read_npz(path);
  std::vector<std::vector<Tensor>> per_input;
  for (const InputSpec& input : inputs) {
    auto it = arrays.find(input.name);
    if (it == arrays.end() && arrays.size() == 1 && inputs.size() == 1) it = arrays.begin();
    if (it == arrays.end()) {
      std::vector<std::string> names;
      for (const auto& entry : arrays) names.push_back("'" + entry.first + "'");
      fail("{}: no array named '{}' for the model's input (the archive has {})", path, input.name,
           names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")));
    }
    per_input.push_back(split_rows(it->second, input, path + ":" + it->first));
    if (per_input.back().size() != per_input.front().size())
      fail("{}: array '{}' gives {} inputs but '{}' gives {}", path, it->first,
           per_input.back().size(), inputs.front().name, per_input.front().size());
  }
  std::vector<Feed> feeds(per_input.front().size());
  for (size_t i = 0; i < feeds.size(); ++i) {
    feeds[i].key = fmt::format("npz:{}#{}", path, i);
    for (size_t k = 0; k < inputs.size(); ++k)
      feeds[i].inputs.emplace(inputs[k].name, std::move(per_input[k][i]));
  }
  return feeds;
}

// input_2.pb before input_10.pb.
bool natural_less(const std::string& a, const std::string& b) {
  auto split = [](const std::string& s) {
    size_t digits = s.find_first_of("0123456789");
    size_t end = s.find_first_not_of("0123456789", digits);
    if (digits == std::string::npos) return std::make_pair(s, int64_t{-1});
    return std::make_pair(s.substr(0, digits) + s.substr(end == std::string::npos ? s.size() : end),
                          static_cast<int64_t>(std::stoll(s.substr(digits, end - digits))));
  };
  return split(a) < split(b) || (split(a) == split(b) && a < b);
}

std::vector<std::string> pb_files(const fs::path& dir) {
  std::vector<std::string> all, inputs;
  for (const fs::directory_entry& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".pb") {
      all.push_back(e.path().filename().string());
      if (all.back().starts_with("input_")) inputs.push_back(all.back());
    }
  std::vector<std::string>& chosen = inputs.empty() ? all : inputs;
  std::sort(chosen.begin(), chosen.end(), natural_less);
  return chosen;
}

Feed pb_feed(const fs::path& dir, const std::vector<InputSpec>& inputs) {
  std::vector<std::string> files = pb_files(dir);
  std::vector<std::pair<std::string, Tensor>> tensors;  // (proto name, tensor), in file order
  std::vector<std::string> paths;
  for (const std::string& file : files) {
    paths.push_back((dir / file).string());
    std::string name;
    Tensor t = onnx_io::load_tensor_file(paths.back(), &name);
    tensors.emplace_back(name, std::move(t));
  }
  const bool by_name = std::all_of(tensors.begin(), tensors.end(), [&](const auto& t) {
    return std::any_of(inputs.begin(), inputs.end(),
                       [&](const InputSpec& i) { return i.name == t.first; });
  });
  if (!by_name && tensors.size() != inputs.size())
    fail("{}: {} .pb files for {} inputs, and their tensors are not named after the inputs",
         dir.string(), tensors.size(), inputs.size());
  Feed feed;
  feed.key = "pb:" + dir.string();
  for (size_t k = 0; k < inputs.size(); ++k) {
    size_t index = k;
    if (by_name) {
      auto it = std::find_if(tensors.begin(), tensors.end(),
                             [&](const auto& t) { return t.first == inputs[k].name; });
      if (it == tensors.end())
        fail("{}: no .pb file holds a tensor named '{}' for the model's input", dir.string(),
             inputs[k].name);
      index = static_cast<size_t>(it - tensors.begin());
    }
    check_tensor(tensors[index].second, inputs[k], paths[index]);
    feed.inputs.emplace(inputs[k].name, tensors[index].second);
  }
  return feed;
}

std::vector<Feed> pb_feeds(const std::string& location, const std::vector<InputSpec>& inputs) {
  std::error_code ec;
  const fs::path dir(location);
  if (!fs::is_directory(dir, ec)) fail("{}: no such folder of .pb files", location);
  if (!pb_files(dir).empty()) return {pb_feed(dir, inputs)};
  std::vector<fs::path> sets;
  for (const fs::directory_entry& e : fs::directory_iterator(dir))
    if (e.is_directory() && !pb_files(e.path()).empty()) sets.push_back(e.path());
  if (sets.empty()) fail("{}: no .pb files here or in its sub-folders", location);
  std::sort(sets.begin(), sets.end(), [](const fs::path& a, const fs::path& b) {
    return natural_less(a.filename().string(), b.filename().string());
  });
  std::vector<Feed> feeds;
  for (const fs::path& set : sets) feeds.push_back(pb_feed(set, inputs));
  return feeds;
}

std::vector<Feed> random_feeds(const DatasetSpec& spec, const std::vector<InputSpec>& inputs) {
  size_t count = 0;
  auto [end, ec] =
      std::from_chars(spec.location.data(), spec.location.data() + spec.location.size(), count);
  if (ec != std::errc() || end != spec.location.data() + spec.location.size() || count == 0)
    fail("dataset '{}': random:N needs a count N >= 1, not '{}'", spec.canonical(), spec.location);
  const uint64_t seed = spec.seed.value_or(0);
  std::mt19937_64 rng(seed);
  std::vector<Shape> shapes;
  for (const InputSpec& input : inputs) {
    Shape shape = input.shape;
    for (size_t d = 0; d < shape.size(); ++d)
      if (shape[d] < 0) {
        if (d != 0)
          fail("input '{}' has a symbolic dimension {} ({}): give its shape with --shape {}:{}",
               input.name, d, spec_string(input.shape), input.name,
               fmt::join(std::vector<std::string>(shape.size(), "N"), "x"));
        shape[d] = 1;  // a symbolic batch: one at a time
      }
    shapes.push_back(shape);
  }
  std::vector<Feed> feeds;
  std::normal_distribution<double> normal(0.0, 1.0);
  for (size_t i = 0; i < count; ++i) {
    Feed f;
    f.key = fmt::format("random:seed={}#{}", seed, i);
    for (size_t k = 0; k < inputs.size(); ++k) {
      std::vector<double> values(static_cast<size_t>(element_count(shapes[k])));
      const DType t = inputs[k].dtype;
      for (double& v : values)
        v = is_floating(t) ? normal(rng) : t == DType::kBool ? rng() % 2 : rng() % 10;
      f.inputs.emplace(inputs[k].name, Tensor::from_doubles(t, shapes[k], values));
    }
    feeds.push_back(std::move(f));
  }
  return feeds;
}

}  // namespace

ShapeOverrides parse_shapes(const std::vector<std::string>& texts) {
  ShapeOverrides shapes;
  for (const std::string& text : texts) {
    const size_t colon = text.rfind(':');
    auto bad = [&](const std::string& why) {
      fail("--shape '{}': {} (expected NAME:1x3x224x224)", text, why);
    };
    if (colon == std::string::npos || colon == 0) bad("no input name before ':'");
    const std::string dims = text.substr(colon + 1);
    Shape shape;
    size_t start = 0;
    for (;;) {
      const size_t x = dims.find('x', start);
      const std::string piece = dims.substr(start, x == std::string::npos ? x : x - start);
      int64_t d = 0;
      auto [end, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), d);
      if (piece.empty() || ec != std::errc() || end != piece.data() + piece.size() || d < 1)
        bad(fmt::format("'{}' is not a dimension >= 1", piece));
      shape.push_back(d);
      if (x == std::string::npos) break;
      start = x + 1;
    }
    if (!shapes.emplace(text.substr(0, colon), shape).second) bad("the input is given twice");
  }
  return shapes;
}

std::vector<InputSpec> model_inputs(const Model& model, const ShapeOverrides& shapes,
                                    const std::string& model_path) {
  std::vector<InputSpec> specs;
  for (const ValueInfo& in : model.graph.inputs) {
    if (model.graph.initializers.count(in.name)) continue;
    InputSpec spec;
    spec.name = in.name;
    if (!in.dtype) fail("{}: input '{}' has a type nndelta cannot feed", model_path, in.name);
    spec.dtype = *in.dtype;
    if (in.dims)
      for (const Dim& d : *in.dims) spec.shape.push_back(d.known() ? d.value : -1);
    if (auto it = shapes.find(in.name); it != shapes.end()) {
      if (in.dims && it->second.size() != in.dims->size())
        fail("--shape {}: gives {} dimensions, but input '{}' of {} has {} ({})", in.name,
             it->second.size(), in.name, model_path, in.dims->size(), spec_string(spec.shape));
      for (size_t d = 0; in.dims && d < spec.shape.size(); ++d)
        if (spec.shape[d] >= 0 && spec.shape[d] != it->second[d])
          fail("--shape {}:{}: dimension {} is {} in {}, which declares {}", in.name,
               fmt::join(it->second, "x"), d, spec.shape[d], model_path, spec_string(spec.shape));
      spec.shape = it->second;
    } else if (!in.dims) {
      fail("{}: input '{}' has no known rank: give its shape with --shape {}:...", model_path,
           in.name, in.name);
    }
    specs.push_back(spec);
  }
  for (const auto& entry : shapes) {
    // clang 14 cannot capture a structured binding in a lambda (the fuzz build is clang's).
    const std::string& name = entry.first;
    if (std::none_of(specs.begin(), specs.end(),
                     [&](const InputSpec& s) { return s.name == name; })) {
      std::vector<std::string> names;
      for (const InputSpec& s : specs) names.push_back("'" + s.name + "'");
      fail("--shape {}: {} has no input named '{}' (its inputs: {})", name, model_path, name,
           fmt::join(names, ", "));
    }
  }
  return specs;
}

bool is_feed_spec(const DatasetSpec& spec) {
  return spec.kind == "npy" || spec.kind == "npz" || spec.kind == "pb" || spec.kind == "random";
}

std::vector<Feed> read_feeds(const DatasetSpec& spec, const std::vector<InputSpec>& inputs) {
  NND_CHECK(is_feed_spec(spec), "dataset {} is not a feed", spec.canonical());
  if (inputs.empty()) fail("the model has no inputs to feed");
  std::vector<Feed> feeds;
  if (spec.kind == "npy")
    feeds = npy_feeds(spec.location, inputs);
  else if (spec.kind == "npz")
    feeds = npz_feeds(spec.location, inputs);
  else if (spec.kind == "pb")
    feeds = pb_feeds(spec.location, inputs);
  else
    return random_feeds(spec, inputs);
  if (!spec.limit && !spec.seed) return feeds;
  std::vector<Feed> chosen;
  for (size_t i : choose_indices(feeds.size(), spec.limit.value_or(feeds.size()), spec.seed))
    chosen.push_back(std::move(feeds[i]));
  return chosen;
}

}  // namespace nnd::data
