// nndelta report end to end: a store written through the Store API, reported in every format by
// the binary, and the errors a user can meet.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "campaign/sqlite.h"
#include "cli_runner.h"
#include "report_store.h"

namespace nnd::report {
namespace {

using nnd::testing::expect_one_line_error;
using nnd::testing::run_cli;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string filled_store(const std::string& name) {
  const std::string path = test::fresh_store_path(name);
  test::fill_report_store(*campaign::Store::open(path));
  return path;
}

TEST(ReportCli, WritesHtmlBesideTheStoreByDefault) {
  const std::string store = filled_store("beside.db");
  const std::string out = testing::temp_path("beside-report");
  std::filesystem::remove_all(out);
  const auto report = run_cli("report " + store);
  ASSERT_EQ(report.exit_code, 0) << report.out;
  EXPECT_EQ(report.out, out + "/report.html\n");
  const std::string html = read_text(out + "/report.html");
  EXPECT_NE(html.find("<section id=\"accuracy-net\">"), std::string::npos);
  // torch@cpu:O2 is wrong on 2 of 6: 66.67%; the others right on all six.
  EXPECT_NE(html.find("<td class=\"num\">66.67%</td>"), std::string::npos);
  EXPECT_NE(html.find("worker died: signal 11, &quot;SIGSEGV&quot;"), std::string::npos);
  // Items 1 and 4 disagree: their thumbnails are Fashion-MNIST pictures.
  EXPECT_NE(html.find("alt=\"fashion-mnist:test#1\""), std::string::npos);
  EXPECT_NE(html.find("alt=\"fashion-mnist:test#4\""), std::string::npos);
}

TEST(ReportCli, JsonAndCsvCarryTheStoresNumbers) {
  const std::string store = filled_store("numbers.db");
  const std::string out = testing::temp_path("numbers-out");
  std::filesystem::remove_all(out);
  auto r = run_cli("report " + store + " --format json --out " + out + " --baseline torch@cpu:O0");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(read_text(out + "/report.json"));
  const nlohmann::json& m = j["models"][0];
  EXPECT_EQ(m["name"], "net");
  EXPECT_EQ(m["baseline"], "torch@cpu:O0");
  EXPECT_EQ(j["options"]["baseline"], "torch@cpu:O0");
  for (const nlohmann::json& a : m["accuracy"])
    if (a["environment"] == "torch@cpu:O2") {
      EXPECT_EQ(a["correct"], 4);
    }
  ASSERT_EQ(m["disagreeing_images"].size(), 2u);
  EXPECT_EQ(m["disagreeing_images"][0]["dataset_key"], "fashion-mnist:test#1");
  EXPECT_EQ(m["disagreeing_images"][0]["top1"]["torch@cpu:O2"], 3);

  r = run_cli("report " + store + " --format csv --out " + out + " --top-k 2");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 9) << r.out;
  EXPECT_NE(read_text(out + "/failures.csv")
                .find("net,opencv@cpu:O2,,crashed,\"worker died: signal 11, \"\"SIGSEGV\"\"\","),
            std::string::npos);
  EXPECT_NE(read_text(out + "/pairs.csv").find("net,torch@cpu:O0,torch@cpu:O2,6,2,"),
            std::string::npos)
      << read_text(out + "/pairs.csv");

  r = run_cli("report " + store + " --format md --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(read_text(out + "/report.md").find("| torch@cpu:O2 | 6 | 4 | 66.67% |"),
            std::string::npos);
}

TEST(ReportCli, EmptyAndFailedOnlyStoresStillRender) {
  const std::string empty = test::fresh_store_path("empty.db");
  campaign::Store::open(empty);
  const std::string out = testing::temp_path("empty-out");
  auto r = run_cli("report " + empty + " --format md --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string md = read_text(out + "/report.md");
  EXPECT_NE(md.find("## Notes\n\n- "), std::string::npos) << md;

  const std::string failed = test::fresh_store_path("failed.db");
  {
    auto store = campaign::Store::open(failed);
    const int64_t model = store->model_id({"broken", "b.onnx", "beef"});
    store->set_run_status(store->run_id(model, store->environment_id("ref@cpu:O2"), 0),
                          campaign::RunStatus::kFailed, "unsupported op Foo", "");
  }
  r = run_cli("report " + failed + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string html = read_text(out + "/report.html");
  EXPECT_NE(html.find("<section id=\"notes\""), std::string::npos);
  EXPECT_NE(html.find("unsupported op Foo"), std::string::npos);
}

TEST(ReportCli, BadInputsAreOneLineErrors) {
  expect_one_line_error(run_cli("report /nonexistent/s.db"), "/nonexistent/s.db");
  const std::string text = testing::write_file("not-a-store.db", "just some text, not SQLite\n");
  expect_one_line_error(run_cli("report " + text), "not-a-store.db");
  const std::string newer = test::fresh_store_path("newer.db");
  campaign::Store::open(newer);
  campaign::sql::Database(newer, campaign::sql::Database::Access::kReadWrite)
      .exec("PRAGMA user_version = 99");
  expect_one_line_error(run_cli("report " + newer), "newer nndelta");
  const std::string store = filled_store("bad-options.db");
  expect_one_line_error(run_cli("report " + store + " --format pdf"),
                        "--format 'pdf' is not one of html, md, json, csv");
  expect_one_line_error(run_cli("report " + store + " --rbo-p 1.5"), "--rbo-p 1.5");
  expect_one_line_error(run_cli("report " + store + " --top-k 0"), "--top-k 0");
  expect_one_line_error(run_cli("report " + store + " --out " + text), "not-a-store.db");
}

}  // namespace
}  // namespace nnd::report
