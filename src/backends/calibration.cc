#include "backends/calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/sha256.h"
#include "data/card.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "onnx/model_io.h"
#include "ref/interpreter.h"

namespace fs = std::filesystem;

namespace nnd::backends {

namespace {

constexpr const char* kMethod = "minmax-v1";  // bump when the calibration method changes

fs::path cache_dir() {
  if (const char* dir = std::getenv("NNDELTA_CACHE_DIR")) return fs::path(dir) / "calibration";
  if (const char* home = std::getenv("HOME"))
    return fs::path(home) / ".cache" / "nndelta" / "calibration";
  return {};
}

bool covers(const ValueRanges& ranges, const std::vector<std::string>& values) {
  return std::all_of(values.begin(), values.end(),
                     [&](const std::string& v) { return ranges.count(v) != 0; });
}

ValueRanges read_cache(const fs::path& file) {
  ValueRanges ranges;
  std::ifstream in(file);
  if (!in) return ranges;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    for (const auto& [name, range] : j.at("ranges").items())
      ranges[name] = {range.at(0).get<float>(), range.at(1).get<float>()};
  } catch (const nlohmann::json::exception&) {
    return {};  // a damaged cache entry is measured again
  }
  return ranges;
}

void write_cache(const fs::path& file, const ValueRanges& ranges, const std::string& dataset,
                 size_t images) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) return;  // no cache is slower, not wrong
  nlohmann::json j;
  j["method"] = kMethod;
  j["dataset"] = dataset;
  j["images"] = images;
  for (const auto& [name, range] : ranges) j["ranges"][name] = {range.first, range.second};
  const fs::path tmp = file.string() + ".tmp";
  std::ofstream(tmp) << j.dump(1);
  fs::rename(tmp, file, ec);
}

ValueRanges measure(const Model& model, const std::vector<std::string>& values,
                    const CalibrationOptions& options, const std::string& dataset_name) {
  const std::string card_path = data::card_path_for(model.source_path);
  std::error_code ec;
  if (!fs::is_regular_file(card_path, ec))
    fail(
        "{}: +qdq8 preprocesses its calibration images as the model card says, but there is "
        "no card {}",
        model.source_path, card_path);
  const data::ModelCard card = data::load_card(card_path);
  std::unique_ptr<data::Dataset> dataset =
      data::open_dataset(data::DatasetSpec::parse(options.dataset));
  const size_t count = std::min(options.images, dataset->size());
  if (count == 0)
    fail("{}: +qdq8's calibration set is empty ({} images of {}, which has {})", model.source_path,
         options.images, dataset_name, dataset->size());
  const ref::Interpreter interpreter(model);
  ValueRanges ranges;
  size_t used = 0;
  for (size_t index : data::choose_indices(dataset->size(), count, std::nullopt)) {
    data::Item item = dataset->item(index);
    if (!item.readable()) continue;
    TensorMap inputs;
    inputs[card.input] = item.input ? *item.input : data::preprocess(*item.image, card);
    TensorMap seen = interpreter.run(inputs, /*keep_intermediates=*/true);
    seen.insert(inputs.begin(), inputs.end());
    for (const std::string& name : values) {
      auto it = seen.find(name);
      if (it == seen.end() || it->second.dtype() != DType::kFloat32) continue;
      const float* v = it->second.data<float>();
      auto [lo, hi] = std::minmax_element(v, v + it->second.size());
      auto [range, fresh] = ranges.try_emplace(name, *lo, *hi);
      if (!fresh)
        range->second = {std::min(range->second.first, *lo), std::max(range->second.second, *hi)};
    }
    ++used;
  }
  // The values quantized are inputs and outputs of Conv/Gemm/MatMul with float32 weights, which
  // ONNX types as float32 too.
  for (const std::string& name : values)
    NND_CHECK(ranges.count(name) || used == 0, "calibration saw no float32 value '{}'", name);
  if (used == 0)
    fail("{}: +qdq8's calibration set is empty: none of the {} images of {} could be read",
         model.source_path, count, dataset_name);
  return ranges;
}

}  // namespace

ValueRanges calibrate(const Model& model, const std::vector<std::string>& values,
                      const CalibrationOptions& options) {
  static std::mutex mutex;
  static std::map<std::string, ValueRanges> memo;
  const std::string dataset_name = data::DatasetSpec::parse(options.dataset).canonical();
  Sha256 hash;
  hash.update(onnx_io::model_to_bytes(model))
      .update(fmt::format("\n{}\n{}\n{}", kMethod, dataset_name, options.images));
  const std::string key = hash.hex_digest();
  std::lock_guard lock(mutex);
  if (auto it = memo.find(key); it != memo.end() && covers(it->second, values)) return it->second;
  const fs::path dir = cache_dir();
  const fs::path file = dir.empty() ? fs::path() : dir / (key + ".json");
  ValueRanges ranges = file.empty() ? ValueRanges() : read_cache(file);
  if (!covers(ranges, values)) {
    ranges = measure(model, values, options, dataset_name);
    if (!file.empty()) write_cache(file, ranges, dataset_name, options.images);
  }
  memo[key] = ranges;
  return ranges;
}

}  // namespace nnd::backends
