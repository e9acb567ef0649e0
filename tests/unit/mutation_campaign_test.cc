// Mutation campaigns end to end: the original and every mutant in workers into the store, the
// report's outcomes, resuming without repeating finished mutant runs (also after SIGKILL), crashes
// kept as results, a later mutant never running on the module of the one before, and the
// [mutations] section's checks.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "analysis/report_data.h"
#include "backends/env_spec.h"
#include "build_paths.h"
#include "campaign/config.h"
#include "campaign/demo.h"
#include "campaign/mutations.h"
#include "campaign/scheduler.h"
#include "campaign/store.h"
#include "cli_runner.h"
#include "core/error.h"
#include "data/session.h"
#include "mutate/mutant.h"
#include "ref/interpreter.h"
#include "test_models.h"
#include "worker/env_session.h"

namespace nnd::campaign {
namespace {

const std::string kZoo = nnd::test::zoo_dir();

std::string mutation_campaign(const std::string& store, int limit, const std::string& envs,
                              const std::string& mutations) {
  return "store = \"" + store + "\"\nmodels = [\"" + kZoo +
         "resnet.onnx\"]\n[dataset]\nspec = \"fashion-mnist:test\"\nlimit = " +
         std::to_string(limit) + "\n[environments]\nlist = [" + envs + "]\n[run]\njobs = 2\n" +
         "[mutations]\n" + mutations;
}

std::string fresh_dir(const std::string& name) {
  const std::string dir = testing::temp_path(name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void expect_error(const std::string& text, const std::string& words) {
  try {
    CampaignConfig config = parse_campaign(text, "c.toml");
    RunOptions options;
    options.quiet = true;
    run_campaign(config, options);
    ADD_FAILURE() << "no error; expected one with '" << words << "'";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

const analysis::MutantOutcome* outcome(const analysis::ModelReport& m, const std::string& mutant,
                                       const std::string& env) {
  for (const analysis::MutantOutcome& o : m.mutants)
    if (o.mutant == mutant && o.environment == env) return &o;
  return nullptr;
}

TEST(MutationCampaign, RunsEveryMutantInEveryEnvironmentAndReportsOutcomes) {
  const std::string dir = fresh_dir("mutation");
  const std::string store_path = dir + "/m.db";
  CampaignConfig config = parse_campaign(
      mutation_campaign(store_path, 30, "\"ref@cpu:O2\", \"ref@cpu:O0\"",
                        "operators = [\"add-to-sub\", \"weight-bitflip\", \"exp-after-gemm\"]\n"
                        "categories = [\"input-pipeline\"]\npositions = [\"1\"]\n"),
      "c.toml");
  RunOptions options;
  options.quiet = true;
  CampaignSummary summary = run_campaign(config, options);
  // Original + 3 graph mutants + 2 input mutants that change resnet's input (normalization
  // missing, H and W swapped), each in 2 environments; the channel swap and NCHW<->NHWC change
  // nothing on a one-channel card and are not run.
  EXPECT_EQ(summary.runs, 12);
  EXPECT_EQ(summary.recorded, 12 * 30);
  auto store = Store::open_read_only(store_path);
  std::map<std::string, MutantRecord> mutants;
  for (const MutantRecord& m : store->mutants()) mutants[m.op + "@" + m.position] = m;
  ASSERT_EQ(mutants.size(), 7u);
  EXPECT_EQ(mutants.at("add-to-sub@1").sites, 1);
  EXPECT_EQ(mutants.at("add-to-sub@1").level, "graph");
  EXPECT_NE(mutants.at("add-to-sub@1").diff.find("+ Sub"), std::string::npos);
  EXPECT_EQ(mutants.at("input-nchw-nhwc@1").sites, 0);
  EXPECT_EQ(mutants.at("input-swap-channels@1").sites, 0);
  for (const RunRow& run : store->runs()) {
    EXPECT_EQ(run.status, RunStatus::kDone) << run.environment << " " << run.mutant_id;
    EXPECT_NE(run.mutant_id, mutants.at("input-nchw-nhwc@1").id) << "a would-be mutant ran";
  }

  const analysis::ReportData report = analysis::build_report(*store, {});
  ASSERT_EQ(report.models.size(), 1u);
  const analysis::ModelReport& m = report.models[0];
  EXPECT_EQ(m.mutants.size(), 10u);
  // The flipped weight (-0.23 -> -7.9e37) in the stem drives every score to +-inf or NaN.
  const analysis::MutantOutcome* flip = outcome(m, "weight-bitflip@1", "ref@cpu:O2");
  ASSERT_NE(flip, nullptr);
  EXPECT_TRUE(flip->outcome == "non-finite" || flip->outcome == "stuck" ||
              flip->outcome == "killed")
      << flip->outcome;
  EXPECT_GT(flip->label_changes, 0);
  EXPECT_TRUE(flip->killed);
  const analysis::MutantOutcome* sub = outcome(m, "add-to-sub@1", "ref@cpu:O0");
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->compared, 30);
  EXPECT_GT(sub->label_changes, 0);
  EXPECT_TRUE(sub->outcome == "killed" || sub->outcome == "stuck") << sub->outcome;
  EXPECT_TRUE(sub->latency_change.has_value());
  // Exp after the last Gemm is monotonic: the scores change, the labels cannot.
  const analysis::MutantOutcome* exp = outcome(m, "exp-after-gemm@1", "ref@cpu:O2");
  ASSERT_NE(exp, nullptr);
  EXPECT_EQ(exp->outcome, "survived");
  EXPECT_EQ(exp->label_changes, 0);
  ASSERT_EQ(m.mutation_scores.size(), 2u);
  EXPECT_EQ(m.mutation_scores[0].decided, 5);
  EXPECT_EQ(m.mutation_scores[0].survived, 1);
  EXPECT_DOUBLE_EQ(m.mutation_scores[0].score_pct, 80.0);
  EXPECT_EQ(m.would_be_mutants.size(), 2u);
  // ref at O0 and O2 agree bit for bit, mutant or not: no discrepancy, but every pair compared.
  EXPECT_EQ(m.mutant_discrepancies.size(), 5u);
  for (const analysis::MutantDiscrepancy& d : m.mutant_discrepancies) {
    EXPECT_EQ(d.discrepancies, 0) << d.mutant;
  }
  EXPECT_FALSE(m.category_scores.empty());

  // Resuming a finished campaign runs nothing again, not even a started stamp.
  std::map<int64_t, std::optional<std::string>> started;
  for (const RunRow& run : store->runs()) started[run.id] = run.started_at;
  store.reset();
  CampaignSummary again = run_campaign(config, options);
  EXPECT_EQ(again.recorded, 0);
  store = Store::open_read_only(store_path);
  for (const RunRow& run : store->runs()) EXPECT_EQ(run.started_at, started.at(run.id));
}

TEST(MutationCampaign, KilledMidCampaignResumesWithoutRepeatingFinishedMutantRuns) {
  const std::string dir = fresh_dir("killed");
  const std::string store_path = dir + "/k.db";
  const std::string toml = dir + "/k.toml";
  std::ofstream(toml) << mutation_campaign(
      store_path, 40, "\"ref@cpu:O2\"",
      "operators = [\"add-to-sub\", \"relu-to-sigmoid\"]\npositions = [\"1\", \"2\", \"3\"]\n");
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
  // Runs finished before a kill keep their stamps: the resumed campaign never starts them again.
  // The first runner is killed as soon as a mutant run is done (the store says so), the second
  // after a while, wherever it is; the third finishes.
  std::map<int64_t, std::optional<std::string>> finished;
  auto done_runs = [&] {
    std::map<int64_t, std::optional<std::string>> done;
    try {
      for (const RunRow& run : Store::open_read_only(store_path)->runs())
        if (run.status == RunStatus::kDone) done[run.id] = run.started_at;
    } catch (const UserError&) {
      // not created yet
    }
    return done;
  };
  int kills = 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    pid_t pid = start_runner();
    int status = 0;
    bool ended = false;
    for (int waited = 0; !ended; waited += 100) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (::waitpid(pid, &status, WNOHANG) != 0) ended = true;
      const bool cut = attempt == 0 ? done_runs().size() >= 2 : waited >= 3000;
      if (!ended && cut) break;
    }
    if (ended) break;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    ++kills;
    for (const auto& [id, started] : done_runs()) finished.emplace(id, started);
  }
  pid_t pid = start_runner();
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_GT(kills, 0) << "every run finished before its kill: the test did not test resuming";
  EXPECT_FALSE(finished.empty()) << "no run finished before a kill";
  auto store = Store::open_read_only(store_path);
  std::vector<RunRow> runs = store->runs();
  ASSERT_EQ(runs.size(), 7u);  // the original and 6 mutants
  for (const RunRow& run : runs) {
    EXPECT_EQ(run.status, RunStatus::kDone);
    EXPECT_EQ(store->prediction_count(run.id), 40) << run.mutant_id;
    if (finished.count(run.id)) {
      EXPECT_EQ(run.started_at, finished.at(run.id)) << run.mutant_id;
    }
  }
  EXPECT_EQ(store->mutants().size(), 6u);
}

// The research dropped full crashes from its results. Here the mutants' worker dies (SIGSEGV) on
// every input; the campaign completes and the store and report keep the crash with its signal.
TEST(MutationCampaign, AMutantWhoseWorkerCrashesIsKeptAsACrash) {
  const std::string dir = fresh_dir("crash");
  const std::string flag = dir + "/mutants";
  const std::string worker = nnd::test::nndelta_binary();
  const std::string via = "if [ -e " + flag + " ]; then exec " + worker +
                          " worker --fault segv; else exec " + worker + " worker; fi";
  const std::string base = "store = \"" + dir + "/c.db\"\nmodels = [\"" + kZoo +
                           "resnet.onnx\"]\n[dataset]\nspec = \"fashion-mnist:test\"\nlimit = 6\n"
                           "[[environments.remote]]\nspec = \"ref@cpu:O1\"\nvia = '" +
                           via + "'\n";
  RunOptions options;
  options.quiet = true;
  // First the original alone, with a sound worker; then the mutant, whose workers crash.
  run_campaign(parse_campaign(base, "c.toml"), options);
  std::ofstream(flag) << "";
  CampaignSummary summary = run_campaign(
      parse_campaign(base + "[mutations]\noperators = [\"relu-to-sigmoid\"]\npositions = [\"2\"]\n",
                     "c.toml"),
      options);
  EXPECT_EQ(summary.input_failures, 3);
  auto store = Store::open_read_only(dir + "/c.db");
  const analysis::ReportData report = analysis::build_report(*store, {});
  ASSERT_EQ(report.models.at(0).mutants.size(), 1u);
  const analysis::MutantOutcome& o = report.models[0].mutants[0];
  EXPECT_EQ(o.outcome, "crashed");
  EXPECT_TRUE(o.killed);
  EXPECT_NE(o.message.find("SIGSEGV"), std::string::npos) << o.message;
}

// The research's later variants reused the first loaded module. Each mutant loaded into one
// worker after another gives exactly what the reference interpreter gives for that mutant.
TEST(MutationCampaign, LaterMutantsDoNotReuseTheFirstLoadedModule) {
  const data::CardedModel resnet = data::load_carded_model(kZoo + "resnet.onnx");
  Tensor input(DType::kFloat32, resnet.card.input_shape());
  for (int64_t i = 0; i < input.size(); ++i)
    input.data<float>()[i] = static_cast<float>(i % 17) / 8 - 1;
  const TensorMap inputs{{resnet.card.input, input}};
  worker::EnvSession session(resnet.model, backends::EnvSpec::parse("ref@cpu:O2"), {});
  std::vector<Tensor> seen;
  for (const char* id : {"relu-to-sigmoid@1", "add-to-sub@1", "exp-before-conv@3"}) {
    const mutate::Mutant m =
        mutate::make_mutant(resnet.model, resnet.card, mutate::MutantSpec::parse(id));
    ASSERT_TRUE(m.model.has_value()) << id;
    session.load(*m.model);
    const Tensor got = session.infer(inputs).outputs.at(resnet.card.output);
    ref::Interpreter interpreter(*m.model);
    EXPECT_TRUE(got.same_as(interpreter.run(inputs).at(resnet.card.output))) << id;
    for (const Tensor& before : seen) EXPECT_FALSE(got.same_as(before)) << id;
    seen.push_back(got);
  }
}

TEST(MutationCampaign, BadSelectionsNameTheirLineOperatorAndModel) {
  const std::string store = testing::temp_path("bad.db");
  const std::string envs = "\"ref@cpu:O2\"";
  expect_error(mutation_campaign(store, 2, envs, "operators = [\"frob\"]\n"),
               "c.toml:11: mutations.operators: unknown mutation operator 'frob'");
  expect_error(mutation_campaign(store, 2, envs, "categories = [\"nope\"]\n"),
               "unknown mutation category 'nope'");
  expect_error(mutation_campaign(store, 2, envs, "positions = [\"1\"]\n"),
               "[mutations] needs 'operators' or 'categories'");
  expect_error(
      mutation_campaign(store, 2, envs, "operators = [\"add-to-sub\"]\npositions = [\"x\"]\n"),
      "mutations.positions: position 'x'");
  expect_error(mutation_campaign(store, 2, envs,
                                 "operators = [\"add-to-sub\"]\nenvironments = [\"ref@cpu:O0\"]\n"),
               "'ref@cpu:O0' is not one of the campaign's environments");
  expect_error(mutation_campaign(store, 2, envs, "operators = [\"transpose-bn-input\"]\n"),
               "'transpose-bn-input' has no site in");
  expect_error(
      mutation_campaign(store, 2, envs, "operators = [\"add-to-sub\"]\npositions = [\"7\"]\n"),
      "position 7 of add-to-sub is out of range: the model has 6 sites");
  // A category reaching operators without sites is no error: they become would-be mutants.
  const std::string dir = fresh_dir("category");
  CampaignConfig config = parse_campaign(
      mutation_campaign(dir + "/c.db", 2, envs,
                        "categories = [\"node-io-modifications\"]\npositions = [\"9\"]\n"),
      "c.toml");
  RunOptions options;
  options.quiet = true;
  run_campaign(config, options);
  auto db = Store::open_read_only(dir + "/c.db");
  std::map<std::string, int64_t> sites;
  for (const MutantRecord& m : db->mutants()) sites[m.op + "@" + m.position] = m.sites;
  EXPECT_EQ(sites.at("transpose-bn-input@each"), 0);
  EXPECT_EQ(sites.at("transpose-conv-input@9"), 1);
  EXPECT_EQ(sites.count("exp-before-gemm@9"), 0u);  // resnet has one Gemm: no 9th site
  // The CLI says the same in one line with exit 2.
  const std::string toml = dir + "/bad.toml";
  std::ofstream(toml) << mutation_campaign(dir + "/b.db", 2, envs, "operators = [\"frob\"]\n");
  testing::expect_one_line_error(testing::run_cli("run " + toml + " --quiet"),
                                 "unknown mutation operator 'frob'");
  testing::expect_one_line_error(testing::run_cli("mutants show 999 --store " + dir + "/c.db"),
                                 "no mutant '999'");
}

// The demo's mutation section: resnet's graph and input mutants at their first site on the cpu
// environments, 12 real mutants and 7 would-be ones (the BatchNormalization operators, the Gemm
// transposes, the channel swap and NCHW<->NHWC of a one-channel card).
TEST(MutationCampaign, TheDemoRunsGraphLoopAndInputMutantsOfResnetOnCpuAndOpencl) {
  std::string zoo = kZoo;
  zoo.pop_back();
  const CampaignConfig config = demo_campaign(zoo, 10, testing::temp_path("demo.db"));
  ASSERT_TRUE(config.mutations.any());
  ASSERT_EQ(config.mutations.models.size(), 1u);
  EXPECT_TRUE(config.mutations.models[0].ends_with("resnet.onnx"));
  EXPECT_GE(config.mutations.environments.size(), 2u);
  for (const std::string& env : config.mutations.environments)
    EXPECT_TRUE(env.find("@cpu:") != std::string::npos || env == "halide@opencl:O2") << env;
  const bool halide =
      std::find(config.mutations.environments.begin(), config.mutations.environments.end(),
                "halide@cpu:O2") != config.mutations.environments.end();
  const MutationPlan plan =
      plan_mutations(config, data::load_carded_model(config.mutations.models[0]));
  size_t real = 0, would_be = 0, loop = 0;
  for (const PlannedMutant& p : plan.mutants) {
    real += p.mutant.is_mutant();
    would_be += !p.mutant.is_mutant();
    loop += p.record.level == "loop" && p.mutant.is_mutant();
  }
  // The demo's 7 loop operators each have a first site in resnet's loop IR at O2.
  EXPECT_EQ(loop, halide ? 7u : 0u);
  EXPECT_EQ(real, 12u + loop);
  EXPECT_EQ(would_be, 7u);
}

}  // namespace
}  // namespace nnd::campaign
