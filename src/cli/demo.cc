// nndelta demo: evaluate every zoo model with the ref framework on the first Fashion-MNIST test
// images and print one table (temporary, until the campaign runner exists).
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "cli/command.h"
#include "core/error.h"
#include "data/evaluate.h"
#include "data/model_stats.h"
#include "data/session.h"

namespace nnd::cli {

namespace fs = std::filesystem;

namespace {

struct DemoOptions {
  size_t limit = 1000;
  size_t jobs = std::max(1u, std::thread::hardware_concurrency());
};

// $NNDELTA_ZOO, else ../zoo from the executable (build/nndelta -> zoo/).
fs::path zoo_directory() {
  if (const char* dir = std::getenv("NNDELTA_ZOO"); dir && *dir) {
    if (!fs::is_directory(dir)) fail("NNDELTA_ZOO={}: not a folder", dir);
    return dir;
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  fs::path zoo = exe.parent_path().parent_path() / "zoo";
  if (ec || !fs::is_directory(zoo))
    fail("{}: no zoo folder next to the executable's folder; set NNDELTA_ZOO", zoo.string());
  return zoo;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

struct Row {
  std::string name;
  data::ModelStats stats;
  data::Evaluation evaluation;
  std::exception_ptr error;
};

Row evaluate_model(const fs::path& path, const data::DatasetSpec& spec,
                   const backends::EnvSpec& env) {
  Row row;
  try {
    data::CardedModel model = data::load_carded_model(path.string());
    row.name = model.card.name;
    row.stats = data::model_stats(model.model);
    std::unique_ptr<backends::Session> session = data::prepare_in_process(model, env);
    std::unique_ptr<data::Dataset> dataset = data::open_dataset(spec);
    row.evaluation = data::evaluate(*session, *dataset, model.card);
  } catch (...) {
    row.error = std::current_exception();
  }
  return row;
}

void print_row(const Row& row) {
  const data::Evaluation& e = row.evaluation;
  const int64_t n = e.labelled();
  data::Interval ci = data::wilson_interval(e.correct(), n);
  const std::string interval = fmt::format("{:.2f}%–{:.2f}%", 100 * ci.low, 100 * ci.high);
  fmt::print("{:<14} {:>10} {:>8.2f}  {:>7.2f}%  {:<15}  {:>9.3f}\n", row.name,
             row.stats.parameters, static_cast<double>(row.stats.multiply_adds) / 1e6,
             n ? 100.0 * static_cast<double>(e.correct()) / static_cast<double>(n) : 0.0, interval,
             median(e.run_ms));
  std::fflush(stdout);
}

int run_demo(const DemoOptions& options) {
  const fs::path zoo = zoo_directory();
  std::vector<fs::path> models;
  for (const fs::directory_entry& entry : fs::directory_iterator(zoo))
    if (entry.path().extension() == ".onnx") models.push_back(entry.path());
  std::sort(models.begin(), models.end());
  if (models.empty()) fail("{}: no .onnx models in the zoo", zoo.string());

  data::DatasetSpec spec = data::DatasetSpec::parse("fashion-mnist:test");
  spec.limit = options.limit;
  data::open_dataset(spec);  // a missing or corrupt dataset fails here, once
  const backends::EnvSpec env = backends::EnvSpec::parse("ref@cpu:O2");
  const size_t jobs = std::clamp<size_t>(options.jobs, 1, models.size());
  fmt::print("nndelta demo: {} zoo models from {}, {} on {}, {} model(s) at a time\n\n",
             models.size(), zoo.string(), env.canonical(), spec.canonical(), jobs);
  fmt::print("{:<14} {:>10} {:>8}  {:>8}  {:<15}  {:>9}\n", "model", "parameters", "MMACs",
             "accuracy", "95% CI (Wilson)", "ms/image");

  // Each job evaluates whole models (the ref interpreter is single-threaded); rows are printed
  // in zoo order as soon as they and every row before them are done.
  std::vector<std::optional<Row>> rows(models.size());
  std::mutex mutex;
  std::condition_variable done;
  std::atomic<size_t> next = 0;
  std::vector<std::jthread> workers;
  for (size_t j = 0; j < jobs; ++j)
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < models.size();) {
        Row row = evaluate_model(models[i], spec, env);
        std::lock_guard lock(mutex);
        rows[i] = std::move(row);
        done.notify_all();
      }
    });
  for (size_t i = 0; i < models.size(); ++i) {
    std::unique_lock lock(mutex);
    done.wait(lock, [&] { return rows[i].has_value(); });
    if (rows[i]->error) {
      next = models.size();  // stop handing out models; running ones finish
      lock.unlock();
      workers.clear();
      std::rethrow_exception(rows[i]->error);
    }
    print_row(*rows[i]);
  }
  fmt::print(
      "\nMMACs: multiply-adds of Conv/Gemm/MatMul per image. ms/image: median time of one ref "
      "run\n(batch 1, single-threaded, preprocessing excluded{}).\nFull-test-set accuracy: "
      "zoo/MODELS.md.\n",
      jobs > 1 ? fmt::format("; {} models ran at a time, sharing the cores", jobs) : "");
  return 0;
}

}  // namespace

Run add_demo(CLI::App& app) {
  auto options = std::make_shared<DemoOptions>();
  app.add_option("--limit", options->limit, "test images per model")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--jobs", options->jobs, "models evaluated at the same time")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  return [options] { return run_demo(*options); };
}

}  // namespace nnd::cli
