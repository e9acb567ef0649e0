// Loop-level mutants (the halide compiler's custom lowering pass): every operator finds sites in
// a small Conv+Relu model's loop IR and each mutant really changes it; positions number the sites
// the listing shows; value mutants change outputs where the research's did not (its store
// mutation rebuilt the store with the original value, and x1.00000001 is x1.0f in float32); a
// mutant that writes out of bounds is recorded while its campaign completes and resumes; bad
// input is one line.
#include "mutate/loop/loop_mutants.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "analysis/report_data.h"
#include "backends/backend.h"
#include "build_paths.h"
#include "campaign/config.h"
#include "campaign/scheduler.h"
#include "campaign/store.h"
#include "cli_runner.h"
#include "core/error.h"
#include "mutate/catalogue.h"
#include "onnx/model_io.h"
#include "test_models.h"

namespace nnd {
namespace {

using backends::EnvSpec;

const EnvSpec kO0 = EnvSpec::parse("halide@cpu:O0");

mutate::MutantSpec spec(const std::string& id) { return mutate::MutantSpec::parse(id); }

TensorMap run(const std::string& env, const Model& model) {
  backends::PrepareRequest request;
  request.env = EnvSpec::parse(env);
  request.label = model.source_path;
  request.model = &model;
  request.onnx = onnx_io::model_to_bytes(model);
  return backends::find_backend("halide")->prepare(request)->run(
      {{"x", testing::ramp({1, 2, 4, 4})}});
}

int64_t bits_differing(const Tensor& a, const Tensor& b) {
  int64_t n = 0;
  for (int64_t i = 0; i < a.size(); ++i)
    n += std::memcmp(a.data<float>() + i, b.data<float>() + i, sizeof(float)) != 0;
  return n;
}

TEST(LoopMutants, EveryOperatorHasSitesAndEachMutantChangesTheLoopIr) {
  const Model model = testing::conv_relu_model();
  const auto sites = mutate::loop::loop_sites(model, kO0);
  for (const mutate::OperatorInfo& op : mutate::operators()) {
    if (op.level != mutate::Level::kLoop) continue;
    const std::string id(op.id);
    ASSERT_TRUE(sites.count(id) && !sites.at(id).empty()) << id << " has no site";
    const auto last = spec(fmt::format("{}@{}", id, sites.at(id).size()));
    const auto build = mutate::loop::build_loop_mutant(model, kO0, last);
    EXPECT_TRUE(build.ir_changed) << id;
    // The position names the site the listing shows at that place.
    ASSERT_EQ(build.where.size(), 1u) << id;
    EXPECT_EQ(build.where[0], sites.at(id).back()) << id;
  }
  // "all" changes every site of the operator, in one mutant.
  const auto every = mutate::loop::build_loop_mutant(model, kO0, spec("lt-to-le@all"));
  EXPECT_EQ(every.where, sites.at("lt-to-le"));
}

TEST(LoopMutants, ValueMutantsChangeTheOutputsAndTheOriginalStaysAsItWas) {
  const Model model = testing::conv_relu_model();
  const Tensor original = run("halide@cpu:O0", model).at("y");
  // x (1 + 2^-23) moves every nonzero stored value by an ulp (the accumulator's too, so a few
  // ulps in all): nothing like x1.00000001, which rounds to x1.0f and changes nothing.
  const Tensor ulp = run("halide@cpu:O0,mutate=store-times-1+2^-23@all", model).at("y");
  int64_t nonzero = 0;
  for (int64_t i = 0; i < original.size(); ++i) nonzero += original.data<float>()[i] != 0.0f;
  EXPECT_GT(nonzero, 0);
  EXPECT_EQ(bits_differing(original, ulp), nonzero);
  for (int64_t i = 0; i < original.size(); ++i)
    EXPECT_LE(std::abs(ulp.data<float>()[i] - original.data<float>()[i]),
              1e-5f * std::max(1.0f, std::abs(original.data<float>()[i])));
  // min/max swapped in ReLU: the negative half comes back.
  const Tensor swapped = run("halide@cpu:O0,mutate=swap-min-max@1", model).at("y");
  EXPECT_GT(bits_differing(original, swapped), 0);
  // The original, compiled again after its mutants, is bit for bit what it was.
  EXPECT_EQ(bits_differing(original, run("halide@cpu:O0", model).at("y")), 0);
}

// loop-extent-plus-1 on every loop writes past every buffer. Its runs are data (crashed, or
// outputs changed), the original's are done, and the store resumes with nothing left to run.
TEST(LoopMutants, OutOfBoundsMutantIsRecordedAndTheCampaignCompletesAndResumes) {
  const std::string dir = testing::temp_path("loop-oob");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string toml = "store = \"" + dir + "/m.db\"\nmodels = [\"" + nnd::test::zoo_dir() +
                           "alexnet.onnx\"]\n[dataset]\nspec = \"fashion-mnist:test\"\nlimit = "
                           "4\n[environments]\nlist = [\"halide@cpu:O0\"]\n[run]\njobs = 2\n"
                           "loop_mutant_memory_mb = 2048\n[mutations]\noperators = "
                           "[\"loop-extent-plus-1\", \"swap-min-max\"]\npositions = [\"all\"]\n";
  campaign::RunOptions options;
  options.quiet = true;
  campaign::run_campaign(campaign::parse_campaign(toml, "m.toml"), options);
  auto store = campaign::Store::open_read_only(dir + "/m.db");
  const analysis::ReportData report = analysis::build_report(*store, {});
  ASSERT_EQ(report.models.size(), 1u);
  std::map<std::string, std::string> outcome;
  for (const analysis::MutantOutcome& o : report.models[0].mutants) outcome[o.mutant] = o.outcome;
  ASSERT_EQ(outcome.size(), 2u);
  EXPECT_TRUE(outcome["loop-extent-plus-1@all"] == "crashed" ||
              outcome["loop-extent-plus-1@all"] == "killed" ||
              outcome["loop-extent-plus-1@all"] == "stuck" ||
              outcome["loop-extent-plus-1@all"] == "non-finite outputs")
      << outcome["loop-extent-plus-1@all"];
  EXPECT_TRUE(outcome["swap-min-max@all"] == "killed" || outcome["swap-min-max@all"] == "stuck")
      << outcome["swap-min-max@all"];
  const campaign::CampaignSummary again =
      campaign::run_campaign(campaign::parse_campaign(toml, "m.toml"), options);
  EXPECT_EQ(again.recorded, 0);
}

TEST(LoopMutants, BadInputIsOneLine) {
  const Model model = testing::conv_relu_model();
  auto error_of = [&](const std::string& env) -> std::string {
    try {
      run(env, model);
    } catch (const UserError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(error_of("halide@cpu:O0,mutate=add-to-sub@1").find("graph-level operator"),
            std::string::npos);
  EXPECT_NE(error_of("halide@cpu:O0,mutate=frob@1").find("unknown mutation operator 'frob'"),
            std::string::npos);
  EXPECT_NE(error_of("halide@cpu:O0,mutate=lt-to-le@999").find("999"), std::string::npos)
      << error_of("halide@cpu:O0,mutate=lt-to-le@999");
  testing::expect_one_line_error(
      testing::run_cli("mutants show lt-to-le@1 --model " + nnd::test::zoo_dir() + "alexnet.onnx"),
      "needs --env");
}

}  // namespace
}  // namespace nnd
