// Campaigns end to end: the TOML config's checks, a real run into a real store, resuming, and a
// runner killed with SIGKILL at random points that still ends with exactly the expected rows.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "build_paths.h"
#include "campaign/config.h"
#include "campaign/merge.h"
#include "campaign/scheduler.h"
#include "campaign/store.h"
#include "core/error.h"
#include "test_models.h"

namespace nnd::campaign {
namespace {

const std::string kZoo = nnd::test::zoo_dir();

std::string campaign_text(const std::string& store, const std::string& extra = {}) {
  return "store = \"" + store + "\"\nmodels = [\"" + kZoo + "mobilenetv2.onnx\", \"" + kZoo +
         "shufflenet.onnx\"]\n[dataset]\nspec = \"fashion-mnist:test\"\nlimit = 12\n" + extra;
}

void expect_error(const std::string& text, const std::string& words) {
  try {
    parse_campaign(text, "c.toml");
    ADD_FAILURE() << "no error; expected one with '" << words << "'";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(CampaignConfig, ChecksEveryKeyAndNamesItsLine) {
  const std::string base = campaign_text("x.db");
  expect_error(base + "[environments]\nlist = [\"ref\"]\ncolour = 1\n",
               "c.toml:8: unknown key 'environments.colour'");
  expect_error(base + "[environments]\nlist = [\"ref@gpu9\"]\n",
               "c.toml:7: environments.list: 'ref@gpu9:O2' is not a known framework and device");
  expect_error(base + "[environments]\nlist = [\"ref@cpu:O7\"]\n",
               "c.toml:7: environments.list: environment 'ref@cpu:O7'");
  expect_error(base + "[environments.matrix]\nframework = [\"ref\"]\ndevice = [\"warp\"]\n",
               "c.toml:8: environments.matrix: 'ref@warp:O2' names an unknown framework or device");
  expect_error(base + "[run]\nrepetitions = \"three\"\n[environments]\nlist = [\"ref\"]\n",
               "c.toml:7: 'repetitions' must be an integer");
  expect_error(base, "no environment to run");
  expect_error("models = [\"/nope.onnx\"]\n", "c.toml:1: models: no such file /nope.onnx");
  expect_error("store = 3\n", "c.toml:1: 'store' must be a file name");
  expect_error("models = [", "c.toml:1");
}

TEST(CampaignConfig, MatrixExpandsExcludesAndSkipsWhatCannotRunHere) {
  CampaignConfig c = parse_campaign(campaign_text("x.db",
                                                  "[environments]\nlist = [\"ref\"]\n"
                                                  "[environments.matrix]\n"
                                                  "framework = [\"ref\", \"torch\"]\n"
                                                  "device = [\"cpu\", \"cuda\"]\n"
                                                  "opt = [\"O0\", \"O2\"]\n"
                                                  "exclude = [\"torch@*:O0\"]\n"),
                                    "/dir/c.toml");
  std::vector<std::string> specs;
  for (const auto& env : c.environments) specs.push_back(env.canonical());
  // ref@cpu:O2 from the list comes first and is not repeated by the matrix.
  EXPECT_EQ(specs, (std::vector<std::string>{"ref@cpu:O2", "ref@cpu:O0", "torch@cpu:O2"}));
  std::set<std::string> skipped;
  for (const auto& s : c.skipped) skipped.insert(s.spec);
  EXPECT_EQ(skipped, (std::set<std::string>{"ref@cuda:O0", "ref@cuda:O2", "torch@cuda:O2"}));
  EXPECT_EQ(c.store, "/dir/x.db");
  EXPECT_EQ(c.dataset, "fashion-mnist:test,limit=12");
}

TEST(Campaign, RunsIntoTheStoreRecordsRefusalsAndResumesWithNothingToDo) {
  const std::string store_path = testing::temp_path("campaign.db");
  std::filesystem::remove(store_path);
  CampaignConfig config =
      parse_campaign(campaign_text(store_path,
                                   "[environments]\nlist = [\"ref\", \"opencv@cpu:O2\"]\n"
                                   "[run]\nrepetitions = 2\njobs = 2\n[keep]\nlogits = true\n"),
                     "c.toml");
  RunOptions options;
  options.quiet = true;
  CampaignSummary first = run_campaign(config, options);
  // OpenCV 4.6 cannot import mobilenetv2's Clip with min/max inputs: a finding, not a crash.
  EXPECT_EQ(first.runs, 4);
  EXPECT_EQ(first.run_status["done"], 3);
  EXPECT_EQ(first.run_status["refused"], 1);
  EXPECT_EQ(first.recorded, 3 * 12 * 2);
  auto store = Store::open_read_only(store_path);
  for (const RunRow& run : store->runs()) {
    if (run.status == RunStatus::kRefused) {
      EXPECT_EQ(run.model_name + " " + run.environment, "mobilenetv2 opencv@cpu:O2");
      EXPECT_NE(run.message.find("Clip"), std::string::npos) << run.message;
      continue;
    }
    std::vector<PredictionRecord> ps = store->predictions(run.id);
    ASSERT_EQ(ps.size(), 24u) << run.environment;
    for (const PredictionRecord& p : ps) {
      EXPECT_EQ(p.outcome, "ok");
      EXPECT_EQ(p.top_ids.size(), 5u);
      ASSERT_TRUE(p.logits.has_value());
      EXPECT_EQ(p.logits->size(), 10u);
      EXPECT_EQ((*p.logits)[static_cast<size_t>(p.top_ids[0])], p.top_scores[0]);
      EXPECT_GT(p.latency_ns, 0);
    }
  }
  store.reset();
  CampaignSummary again = run_campaign(config, options);
  EXPECT_EQ(again.recorded, 0);
  EXPECT_EQ(again.recorded_before, 3 * 12 * 2);
}

TEST(Campaign, RemoteEnvironmentsStartTheirWorkerThroughVia) {
  const std::string store_path = testing::temp_path("remote.db");
  std::filesystem::remove(store_path);
  // The local worker wrapped in sh -c stands in for "ssh host nndelta worker".
  CampaignConfig config = parse_campaign(
      campaign_text(store_path, std::string("[environments]\nlist = [\"ref\"]\n") +
                                    "[[environments.remote]]\nspec = \"ref@cpu:O0\"\n" +
                                    "via = \"sh -c 'exec " +
                                    std::string(nnd::test::nndelta_binary()) + " worker'\"\n" +
                                    "[[environments.remote]]\nspec = \"ref@cpu:O3\"\n" +
                                    "via = \"exit 7\"\n"),
      "c.toml");
  ASSERT_EQ(config.environments.size(), 3u);
  EXPECT_EQ(config.via.at("ref@cpu:O3"), "exit 7");
  RunOptions options;
  options.quiet = true;
  CampaignSummary summary = run_campaign(config, options);
  EXPECT_EQ(summary.recorded, 2 * 2 * 12);
  auto store = Store::open_read_only(store_path);
  std::map<std::string, std::string> status;
  for (const RunRow& run : store->runs())
    if (run.model_name == "shufflenet")
      status[run.environment] =
          std::string(run_status_name(run.status)) + (run.message.empty() ? "" : " " + run.message);
  EXPECT_EQ(status.at("ref@cpu:O0"), "done");
  EXPECT_NE(status.at("ref@cpu:O3").find("exited with status 7"), std::string::npos)
      << status.at("ref@cpu:O3");
}

TEST(Campaign, ShardsPartitionTheRunsAndMergeIntoTheWhole) {
  const std::string dir = testing::temp_path("shards");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  CampaignConfig config = parse_campaign(
      campaign_text(dir + "/all.db", "[environments]\nlist = [\"ref\", \"ref@cpu:O0\"]\n"),
      "c.toml");
  RunOptions options;
  options.quiet = true;
  int64_t runs = 0;
  for (int i = 0; i < 3; ++i) {
    options.shard = Shard::parse(std::to_string(i) + "/3");
    options.store = dir + "/shard" + std::to_string(i) + ".db";
    CampaignSummary s = run_campaign(config, options);
    runs += s.runs;
  }
  EXPECT_EQ(runs, 4);  // every run in exactly one shard
  auto merged = Store::open(dir + "/merged.db");
  for (int i = 0; i < 3; ++i) merge_into(*merged, dir + "/shard" + std::to_string(i) + ".db");
  EXPECT_EQ(merged->prediction_count(), 4 * 12);
  EXPECT_EQ(merged->runs().size(), 4u);
  for (const RunRow& run : merged->runs()) EXPECT_EQ(run.status, RunStatus::kDone);
  EXPECT_THROW(Shard::parse("3/3"), UserError);
  EXPECT_THROW(Shard::parse("1of3"), UserError);
}

TEST(Campaign, KilledAtRandomPointsResumesToExactlyTheExpectedRows) {
  const std::string dir = testing::temp_path("killed");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string store_path = dir + "/k.db";
  const std::string toml = dir + "/k.toml";
  std::ofstream(toml) << campaign_text(
      store_path, "[environments]\nlist = [\"ref\", \"ref@cpu:O0\"]\n[run]\nrepetitions = 2\n");
  auto start_runner = [&] {
    pid_t pid = fork();
    if (pid == 0) {
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
      ::execl(nnd::test::nndelta_binary(), nnd::test::nndelta_binary(), "run", toml.c_str(),
              "--quiet", nullptr);
      ::_exit(127);
    }
    return pid;
  };
  std::mt19937 rng(20261125);
  std::uniform_int_distribution<int> delay_ms(300, 2500);
  int kills = 0;
  for (int i = 0; i < 5; ++i) {
    pid_t pid = start_runner();
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ++kills;
    }
  }
  pid_t pid = start_runner();
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_GT(kills, 0) << "every run finished before its kill: the test did not test resuming";

  auto store = Store::open_read_only(store_path);
  std::vector<RunRow> runs = store->runs();
  ASSERT_EQ(runs.size(), 4u);
  std::set<int64_t> inputs;
  for (const InputRecord& in : store->inputs()) inputs.insert(in.id);
  ASSERT_EQ(inputs.size(), 12u);
  for (const RunRow& run : runs) {
    EXPECT_EQ(run.status, RunStatus::kDone) << run.environment;
    std::set<std::pair<int64_t, int>> want, got;
    for (int64_t input : inputs)
      for (int rep : {0, 1}) want.insert({input, rep});
    std::vector<PredictionRecord> ps = store->predictions(run.id);
    for (const PredictionRecord& p : ps) got.insert({p.input_id, p.repetition});
    EXPECT_EQ(ps.size(), want.size()) << "duplicates or missing rows in " << run.environment;
    EXPECT_EQ(got, want) << run.environment;
  }
  EXPECT_EQ(store->prediction_count(), 4 * 12 * 2);
}

}  // namespace
}  // namespace nnd::campaign
