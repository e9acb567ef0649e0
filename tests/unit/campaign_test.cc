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
#include "campaign/capture.h"
#include "campaign/config.h"
#include "campaign/merge.h"
#include "campaign/scheduler.h"
#include "campaign/store.h"
#include "core/error.h"
#include "data/dataset.h"
#include "data/evaluate.h"
#include "data/session.h"
#include "ref/interpreter.h"
#include "test_models.h"
#include "worker/env_session.h"
#include "worker/launch.h"

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

TEST(CampaignConfig, IntermediatesTakeACountOrDatasetKeysAndErrorsNameTheirLine) {
  // Lines 1-5 are the base; [environments] is line 6, its list 7, [keep] 8.
  const std::string base = campaign_text("x.db") + "[environments]\nlist = [\"ref\"]\n[keep]\n";
  CampaignConfig count = parse_campaign(base + "intermediates = 4\n", "c.toml");
  EXPECT_EQ(count.intermediates.first, 4);
  EXPECT_TRUE(count.intermediates.keys.empty());
  EXPECT_TRUE(count.intermediates.values.empty());
  CampaignConfig keys =
      parse_campaign(base +
                         "intermediates = [\"fashion-mnist:test#3\",\n  \"fashion-mnist:test#7\"]\n"
                         "intermediate_values = [\"conv_out\"]\n",
                     "c.toml");
  EXPECT_EQ(keys.intermediates.first, 0);
  ASSERT_EQ(keys.intermediates.keys.size(), 2u);
  EXPECT_EQ(keys.intermediates.keys[1].text, "fashion-mnist:test#7");
  EXPECT_EQ(keys.intermediates.keys[1].where, "c.toml:10");
  ASSERT_EQ(keys.intermediates.values.size(), 1u);
  EXPECT_EQ(keys.intermediates.values[0].where, "c.toml:11");
  EXPECT_FALSE(parse_campaign(base, "c.toml").intermediates.any());

  expect_error(base + "intermediates = 1.5\n",
               "c.toml:9: 'intermediates' must be a number of inputs (the first of the dataset) "
               "or an array of dataset keys");
  expect_error(base + "intermediates = 0\n",
               "c.toml:9: keep.intermediates must be a positive number of inputs");
  expect_error(base + "intermediates = [\n\"a#1\",\n2]\n",
               "c.toml:11: every entry of 'intermediates' must be a string");
  expect_error(base + "intermediates = [\"a#1\", \"a#1\"]\n",
               "c.toml:9: keep.intermediates names 'a#1' twice");
  expect_error(base + "intermediates = []\n", "c.toml:9: keep.intermediates is empty");
  expect_error(base + "intermediates = 2\nintermediate_values = 3\n",
               "c.toml:10: 'intermediate_values' must be a string or an array of strings");
  expect_error(base + "intermediates = 2\nintermediate_values = [\"\"]\n",
               "c.toml:10: keep.intermediate_values has an empty name");
  expect_error(base + "\nintermediate_values = [\"x\"]\n",
               "c.toml:10: keep.intermediate_values needs keep.intermediates");
  expect_error(base + "intermediate = 2\n", "c.toml:9: unknown key 'keep.intermediate'");
  expect_error(base + "top_k = 0\n", "c.toml:9: keep.top_k must be at least 1");
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(CampaignConfig, ExamplesParseAndSoDoTheirCommentedIntermediatesLines) {
  const std::string examples = kZoo + "../examples/";
  for (const char* name : {"frameworks.toml", "conversions.toml", "remote.toml"})
    EXPECT_NO_THROW(load_campaign(examples + name)) << name;
  const std::string path = examples + "frameworks.toml";
  const std::string text = read_text(path);
  auto uncomment = [&](std::string t, const std::string& line) {
    const size_t at = t.find("# " + line);
    EXPECT_NE(at, std::string::npos) << line;
    return at == std::string::npos ? t : t.erase(at, 2);
  };
  CampaignConfig count = parse_campaign(uncomment(text, "intermediates = 4"), path);
  EXPECT_EQ(count.intermediates.first, 4);
  CampaignConfig keys = parse_campaign(
      uncomment(uncomment(text, "intermediates = [\"fashion"), "intermediate_values"), path);
  EXPECT_EQ(keys.intermediates.keys.size(), 2u);
  EXPECT_EQ(keys.intermediates.values.size(), 1u);
}

// One small model (resnet: 37 values) on `limit` inputs.
std::string capture_campaign(const std::string& store, int limit, const std::string& extra) {
  return "store = \"" + store + "\"\nmodels = [\"" + kZoo +
         "resnet.onnx\"]\n[dataset]\nspec = \"fashion-mnist:test\"\nlimit = " +
         std::to_string(limit) + "\n[run]\njobs = 1\n" + extra;
}

// The preprocessed input of a campaign's dataset item, as the scheduler makes it.
Tensor campaign_input(const data::CardedModel& model, const std::string& dataset, size_t index) {
  auto items = data::open_dataset(data::DatasetSpec::parse(dataset));
  return data::model_input(items->item(index), model.card);
}

TEST(Campaign, KeepsIntermediatesOfTheFirstInputsBitForBitAndResumesWithoutDuplicates) {
  const backends::EnvSpec torch = backends::EnvSpec::parse("torch@cpu:O2");
  if (std::string why = worker::unavailable_reason(torch); !why.empty()) GTEST_SKIP() << why;
  const std::string store_path = testing::temp_path("intermediates.db");
  std::filesystem::remove(store_path);
  CampaignConfig config =
      parse_campaign(capture_campaign(store_path, 3,
                                      "[environments]\nlist = [\"ref\", \"torch@cpu:O2\"]\n"
                                      "[keep]\nintermediates = 2\n"),
                     "c.toml");
  RunOptions options;
  options.quiet = true;
  CampaignSummary first = run_campaign(config, options);
  EXPECT_EQ(first.recorded, 2 * 3);
  EXPECT_EQ(first.captures_expected, 2 * 2);
  EXPECT_EQ(first.captures_recorded, 2 * 2);
  EXPECT_EQ(first.capture_failures, 0);

  const data::CardedModel model = data::load_carded_model(kZoo + "resnet.onnx");
  const size_t produced = produced_values(model.model).size();
  auto store = Store::open_read_only(store_path);
  EXPECT_EQ(store->intermediate_count(), static_cast<int64_t>(2 * 2 * produced));
  std::map<int64_t, std::string> keys;
  for (const InputRecord& in : store->inputs()) keys[in.id] = in.dataset_key;
  // The campaign's worker ran with every core (one job at a time); the direct session does too,
  // since a thread count may change a framework's bits.
  worker::SessionOptions session_options;
  session_options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  session_options.keep_intermediates = true;
  for (const RunRow& run : store->runs()) {
    EXPECT_EQ(run.status, RunStatus::kDone) << run.environment;
    EXPECT_EQ(store->predictions(run.id).size(), 3u);
    std::vector<CaptureRecord> captures = store->captures(run.id);
    ASSERT_EQ(captures.size(), 2u) << run.environment;
    worker::EnvSession direct(model.model, backends::EnvSpec::parse(run.environment),
                              session_options);
    for (size_t i = 0; i < captures.size(); ++i) {
      const CaptureRecord& c = captures[i];
      EXPECT_EQ(keys.at(c.input_id), "fashion-mnist:test#" + std::to_string(i));
      EXPECT_EQ(c.repetition, 0);
      EXPECT_EQ(c.outcome, "ok") << c.message;
      ASSERT_EQ(c.values.size(), produced) << run.environment;
      const Tensor input = campaign_input(model, config.dataset, i);
      TensorMap want = direct.intermediates({{model.card.input, input}}).outputs;
      TensorMap oracle = ref::Interpreter(model.model).run({{model.card.input, input}}, true);
      int64_t last_index = -1;
      for (const IntermediateValue& v : c.values) {
        ASSERT_EQ(want.count(v.name), 1u) << v.name;
        EXPECT_TRUE(v.value.same_as(want.at(v.name))) << run.environment << " " << v.name;
        if (run.environment == "ref@cpu:O2") {
          EXPECT_TRUE(v.value.same_as(oracle.at(v.name))) << v.name;
        }
        const Node& node = model.model.graph.nodes.at(static_cast<size_t>(v.node_index));
        EXPECT_EQ(node.name, v.node);
        EXPECT_EQ(node.op_type, v.op);
        EXPECT_NE(std::find(node.outputs.begin(), node.outputs.end(), v.name), node.outputs.end());
        EXPECT_GE(v.node_index, last_index);  // graph order
        last_index = v.node_index;
      }
    }
  }
  store.reset();
  CampaignSummary again = run_campaign(config, options);
  EXPECT_EQ(again.recorded, 0);
  EXPECT_EQ(again.captures_recorded, 0);
  EXPECT_EQ(again.captures_recorded_before, 2 * 2);
  EXPECT_EQ(Store::open_read_only(store_path)->intermediate_count(),
            static_cast<int64_t>(2 * 2 * produced));
}

TEST(Campaign, KeepsNamedValuesOfNamedInputsAndMergeCarriesThemOnce) {
  const std::string dir = testing::temp_path("named");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string values =
      "intermediate_values = [\"/layers/layers.0/Relu_output_0\",\n"
      "  \"/Flatten_output_0\"]\n";
  // Lines: 1-5 base, 6-7 [run], 8 [environments], 9 list, 10 [keep], 11 intermediates, 12-13
  // values.
  const std::string text = capture_campaign(dir + "/named.db", 4,
                                            "[environments]\nlist = [\"ref\"]\n[keep]\n"
                                            "intermediates = [\"fashion-mnist:test#3\"]\n" +
                                                values);
  RunOptions options;
  options.quiet = true;
  CampaignSummary summary = run_campaign(parse_campaign(text, "c.toml"), options);
  EXPECT_EQ(summary.captures_recorded, 1);
  auto store = Store::open(dir + "/named.db");
  ASSERT_EQ(store->runs().size(), 1u);
  std::vector<CaptureRecord> captures = store->captures(store->runs()[0].id);
  ASSERT_EQ(captures.size(), 1u);
  EXPECT_EQ(captures[0].input_id, store->input_id("fashion-mnist:test#3", std::nullopt, ""));
  ASSERT_EQ(captures[0].values.size(), 2u);
  // Graph order, whatever the order in the campaign.
  EXPECT_EQ(captures[0].values[0].name, "/layers/layers.0/Relu_output_0");
  EXPECT_EQ(captures[0].values[0].value.shape(), (Shape{1, 16, 28, 28}));
  EXPECT_EQ(captures[0].values[1].name, "/Flatten_output_0");
  EXPECT_EQ(captures[0].values[1].op, "Flatten");

  auto merged = Store::open(dir + "/merged.db");
  MergeSummary m = merge_into(*merged, store->path());
  EXPECT_EQ(m.captures_added, 1);
  EXPECT_EQ(m.intermediates_added, 2);
  std::vector<CaptureRecord> copied = merged->captures(merged->runs()[0].id);
  ASSERT_EQ(copied.size(), 1u);
  ASSERT_EQ(copied[0].values.size(), 2u);
  for (size_t i = 0; i < 2; ++i)
    EXPECT_TRUE(copied[0].values[i].value.same_as(captures[0].values[i].value));
  MergeSummary again = merge_into(*merged, store->path());
  EXPECT_EQ(again.captures_added + again.intermediates_added, 0);
  EXPECT_EQ(again.captures_present, 1);
  EXPECT_EQ(merged->intermediate_count(), 2);

  // Found only when the campaign runs: a key outside the sample, a value no model has.
  auto run_error = [&](const std::string& campaign) {
    try {
      run_campaign(parse_campaign(campaign, "c.toml"), options);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string key_error = run_error(capture_campaign(
      dir + "/bad.db", 4,
      "[environments]\nlist = [\"ref\"]\n[keep]\nintermediates = [\"fashion-mnist:test#3\",\n"
      "\"fashion-mnist:test#4\"]\n"));
  EXPECT_NE(key_error.find("c.toml:12: keep.intermediates: 'fashion-mnist:test#4' is not among "
                           "the campaign's inputs"),
            std::string::npos)
      << key_error;
  std::string value_error =
      run_error(capture_campaign(dir + "/bad.db", 4,
                                 "[environments]\nlist = [\"ref\"]\n[keep]\nintermediates = 1\n"
                                 "intermediate_values = [\"/Flatten_output_0\", \"nope\"]\n"));
  EXPECT_NE(value_error.find("c.toml:12: keep.intermediate_values: no node of the campaign's "
                             "models produces 'nope'"),
            std::string::npos)
      << value_error;
}

TEST(Campaign, ACaptureWorkerThatCrashesIsRecordedAndThePredictionsStayWhole) {
  const std::string dir = testing::temp_path("crashing");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // The first worker this command starts (the run's) is sound; every later one (the captures')
  // dies on its first request.
  const std::string flag = dir + "/started";
  const std::string worker = nnd::test::nndelta_binary();
  const std::string via = "if [ -e " + flag + " ]; then exec " + worker +
                          " worker --fault segv; else touch " + flag + "; exec " + worker +
                          " worker; fi";
  CampaignConfig config =
      parse_campaign(capture_campaign(dir + "/c.db", 5,
                                      "[[environments.remote]]\nspec = \"ref@cpu:O1\"\nvia = '" +
                                          via + "'\n[keep]\nintermediates = 4\n"),
                     "c.toml");
  RunOptions options;
  options.quiet = true;
  CampaignSummary summary = run_campaign(config, options);
  EXPECT_EQ(summary.recorded, 5);
  EXPECT_EQ(summary.input_failures, 0);
  EXPECT_EQ(summary.captures_recorded, 4);
  EXPECT_EQ(summary.capture_failures, 4);
  auto store = Store::open_read_only(dir + "/c.db");
  const RunRow run = store->runs().at(0);
  EXPECT_EQ(run.status, RunStatus::kDone);
  for (const PredictionRecord& p : store->predictions(run.id)) EXPECT_EQ(p.outcome, "ok");
  std::vector<CaptureRecord> captures = store->captures(run.id);
  ASSERT_EQ(captures.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(captures[i].values.empty());
    // Three deaths in a row, then the last input is not tried.
    EXPECT_EQ(captures[i].outcome, i < 3 ? "crashed" : "skipped") << captures[i].message;
  }
  EXPECT_NE(captures[0].message.find("SIGSEGV"), std::string::npos) << captures[0].message;
  EXPECT_NE(captures[3].message.find("after 3 worker failures"), std::string::npos)
      << captures[3].message;
  // Failures are data too: a re-run does not try them again.
  EXPECT_EQ(run_campaign(config, options).captures_recorded, 0);
}

TEST(Capture, ValuesTheWorkerDidNotReturnMakeTheCaptureIncomplete) {
  const Model model = nnd::testing::conv_relu_model();
  CaptureValues all = capture_values(model, backends::EnvSpec::parse("ref"), {});
  ASSERT_EQ(all.wanted.size(), 2u);
  EXPECT_TRUE(all.expose.empty());  // every value
  EXPECT_EQ(all.wanted[0].name, "c");
  EXPECT_EQ(all.wanted[0].node, "conv");
  EXPECT_EQ(all.wanted[1].node_index, 1);
  CaptureValues named = capture_values(model, backends::EnvSpec::parse("ref"), {"y", "gone"});
  EXPECT_EQ(named.expose, std::vector<std::string>{"y"});
  EXPECT_EQ(named.absent, std::vector<std::string>{"gone"});

  const Tensor c = Tensor::of<float>({1}, {2.5f});
  CaptureRecord whole = capture_record(all, {{"c", c}, {"y", c}, {"extra", c}});
  EXPECT_EQ(whole.outcome, "ok");
  EXPECT_EQ(whole.values.size(), 2u);  // what was not asked for is dropped
  CaptureRecord part = capture_record(named, {{"y", c}});
  EXPECT_EQ(part.outcome, "incomplete");
  EXPECT_EQ(part.message, "1 of 2 values not returned: gone");
  ASSERT_EQ(part.values.size(), 1u);
  EXPECT_TRUE(part.values[0].value.same_as(c));
}

}  // namespace
}  // namespace nnd::campaign
