// The report renderers on a hand-built ReportData: each format's values, quoting and escaping.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "data/image.h"
#include "report/chart_scale.h"
#include "report/csv.h"
#include "report/html.h"
#include "report/json.h"
#include "report/markdown.h"
#include "report/report.h"
#include "report/svg.h"
#include "report/text.h"
#include "report/thumbnail.h"
#include "report_fixture.h"
#include "test_models.h"

namespace nnd::report {
namespace {

using nnd::test::kEvilMessage;
using nnd::test::kEvilModel;
using nnd::test::sample_report;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportFormat, ParsesTheFourNamesAndNamesTheOptionOtherwise) {
  EXPECT_EQ(parse_format("html"), Format::kHtml);
  EXPECT_EQ(parse_format("md"), Format::kMarkdown);
  EXPECT_EQ(parse_format("json"), Format::kJson);
  EXPECT_EQ(parse_format("csv"), Format::kCsv);
  try {
    parse_format("pdf");
    ADD_FAILURE() << "pdf accepted";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "--format 'pdf' is not one of html, md, json, csv");
  }
}

TEST(ReportJson, RoundTripsEveryKindOfField) {
  const std::string dir = testing::temp_path("json");
  std::filesystem::remove_all(dir);
  const std::vector<std::string> files = write_report(sample_report(), Format::kJson, dir);
  ASSERT_EQ(files, std::vector<std::string>{dir + "/report.json"});
  const nlohmann::json j = nlohmann::json::parse(read_text(files[0]));
  EXPECT_EQ(j["store_path"], "campaign.db");
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["notes"][0], "model dead: none of its 1 runs answered any input (failed)");
  EXPECT_EQ(j["options"]["rbo_p"], 0.9);
  EXPECT_EQ(j["options"]["tolerance"]["atol"], 1e-5);
  ASSERT_EQ(j["models"].size(), 2u);
  const nlohmann::json& m = j["models"][0];
  EXPECT_EQ(m["environments"][2], "ort@cpu:O3");
  EXPECT_EQ(m["accuracy"][2]["correct"], 175);
  EXPECT_EQ(m["accuracy"][2]["ci95"]["low"], 0.875 - 0.045);
  // Pair (ort@cpu:O0, ort@cpu:O3) is i = 1, j = 2: 1 + 6 - 3 = 4 differences of 200.
  const nlohmann::json& pair = m["pairs"][3];
  EXPECT_EQ(pair["a"], "ort@cpu:O0");
  EXPECT_EQ(pair["top1_differs"], 4);
  EXPECT_EQ(pair["top1_differs_pct"], 2.0);
  EXPECT_EQ(pair["logits"]["max_abs"], 2.5e-3);
  EXPECT_EQ(pair["logits"]["needed_rtol"], "inf");  // JSON has no infinity
  EXPECT_EQ(pair["logits"]["passes"], false);
  EXPECT_TRUE(m["pairs"][2]["logits"].is_null());  // (ref, opencv) kept no logits
  EXPECT_EQ(m["latency"][0]["histogram_ms"].size(), 60u);
  EXPECT_EQ(m["latency"][0]["median_ci95"]["high"], 12.5 * 1.04);
  EXPECT_EQ(m["latency_changes"][0]["p_value"], 1.5e-9);
  EXPECT_EQ(m["latency_changes"][0]["higher_level_slower"], true);
  EXPECT_EQ(m["nondeterminism"][1]["max_abs_logit_change"], 1.5e-4);
  EXPECT_EQ(m["failures"][0]["message"], kEvilMessage);
  EXPECT_EQ(m["failures"][0]["failed_inputs"]["hung"], 2);
  EXPECT_EQ(m["disagreeing_images"][1]["top1"]["ort@cpu:O3"], 2);
  EXPECT_TRUE(m["disagreeing_images"][4]["label"].is_null());
  EXPECT_EQ(m["mutants"][0]["label_changes"], 37);
  EXPECT_EQ(m["mutants"][0]["killed"], true);
  EXPECT_EQ(m["mutants"][3]["note"], "the original model has no run in ort@cpu:O3");
  EXPECT_EQ(m["pairs"][5]["note"], "no input answered ok by both (a: 200, b: 0)");
  EXPECT_EQ(m["disagreeing_images_total"], 7);
  EXPECT_EQ(j["models"][1]["name"], kEvilModel);
}

TEST(ReportCsv, QuotesPerRfc4180AndWritesOneFilePerTable) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");

  const std::string dir = testing::temp_path("csv");
  std::filesystem::remove_all(dir);
  const std::vector<std::string> files = write_report(sample_report(), Format::kCsv, dir);
  std::vector<std::string> names;
  for (const std::string& f : files) names.push_back(std::filesystem::path(f).filename());
  EXPECT_EQ(names,
            (std::vector<std::string>{"accuracy.csv", "pairs.csv", "latency.csv",
                                      "latency_changes.csv", "nondeterminism.csv", "failures.csv",
                                      "disagreeing_images.csv", "mutants.csv", "notes.csv"}));
  EXPECT_EQ(read_text(dir + "/failures.csv"),
            "model,environment,mutant,status,message,failed_inputs\r\n"
            "fmnist-net,opencv@cpu:O2,,crashed,\"worker said: bad, \"\"very\"\" bad\nsecond "
            "line\",crashed=1;hung=2\r\n");
  const std::string accuracy = read_text(dir + "/accuracy.csv");
  EXPECT_NE(accuracy.find("\r\nfmnist-net,ort@cpu:O3,200,175,0.875,0.83,0.913\r\n"),
            std::string::npos)
      << accuracy;
  // The model name holds a comma-free quote: quoted, its quotes doubled.
  EXPECT_NE(accuracy.find("\"<script>alert(\"\"x\"\")</script> & co\",ref@cpu:O2,10,7,0.7"),
            std::string::npos)
      << accuracy;
  const std::string pairs = read_text(dir + "/pairs.csv");
  EXPECT_NE(pairs.find("fmnist-net,ort@cpu:O0,ort@cpu:O3,200,4,2,"), std::string::npos) << pairs;
  EXPECT_NE(pairs.find(",inf,\r\n"), std::string::npos);  // needed_rtol of the ort@cpu:O0 pairs
  const std::string images = read_text(dir + "/disagreeing_images.csv");
  // Long form, environments in the model's order: ref, ort O0, ort O3, opencv.
  EXPECT_NE(images.find("fmnist-net,2,fashion-mnist:test#1,t10k-images-idx3-ubyte.gz,1,"
                        "ort@cpu:O3,2\r\nfmnist-net,2,fashion-mnist:test#1,"
                        "t10k-images-idx3-ubyte.gz,1,opencv@cpu:O2,9\r\n"),
            std::string::npos)
      << images;
  EXPECT_NE(read_text(dir + "/mutants.csv")
                .find("fmnist-net,swap_operands@node3,swap_operands,arith,ref@cpu:O2,done,200,37,"
                      "18.5,true,,killed,,0,,\r\n"),
            std::string::npos);
}

TEST(ReportMarkdown, TablesPerModelWithNotesFirst) {
  const std::string md = report_markdown(sample_report());
  EXPECT_LT(md.find("## Notes"), md.find("## Model fmnist-net"));
  EXPECT_NE(md.find("| ort@cpu:O3 | 200 | 175 | 87.50% | 83.00% – 91.30% |\n"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| ort@cpu:O0 | ort@cpu:O3 | 200 | 4 (2.00%) | 0.9300 | 0.9700 | 0.9000 | "
                    "0.0025 | 2e-05 | 0.0004 | 0.999999 | 0.0025 | inf |  |\n"),
            std::string::npos)
      << md;
  EXPECT_NE(
      md.find("| ort@cpu:O0 | ort@cpu:O3 | +30.0% | 1.5e-09 | yes | **higher level slower** |"),
      std::string::npos);
  // A message's quote, comma and line break stay inside one cell.
  EXPECT_NE(
      md.find("| crashed | worker said: bad, \"very\" bad<br>second line | 1 crashed, 2 hung |"),
      std::string::npos);
  // The image table has one column per environment.
  EXPECT_NE(md.find("| 2 | fashion-mnist:test#1 | 1 | 1 | 1 | 2 | 9 |\n"), std::string::npos);
  EXPECT_EQ(md.find("swap\\_operands"), std::string::npos);  // '_' inside words stays as it is
  EXPECT_NE(
      md.find("| swap_operands@node3 | **killed** (18.50%, done) | **killed** (18.50%, done) |"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("## Model &lt;script&gt;alert(\"x\")&lt;/script&gt; & co"), std::string::npos);
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_NE(md.find("5 of 7 inputs listed"), std::string::npos);
  EXPECT_NE(md.find("| no input answered ok by both (a: 200, b: 0) |\n"), std::string::npos);
  // Only columns of numbers are right-aligned.
  EXPECT_NE(md.find("| Environment | Labelled | Correct | Accuracy | 95% CI (Wilson) |\n"
                    "| --- | ---: | ---: | ---: | ---: |\n"),
            std::string::npos);
  EXPECT_EQ(markdown_cell("a|b\\c`d*e"), "a\\|b\\\\c\\`d\\*e");
}

TEST(ReportHtml, EscapesStoreTextAndHasEverySection) {
  const std::string html = report_html(sample_report());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("<h2>Model &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</h2>"),
            std::string::npos);
  EXPECT_NE(html.find("worker said: bad, &quot;very&quot; bad\nsecond line"), std::string::npos);
  // The unsafe name becomes a safe id.
  EXPECT_NE(html.find("id=\"accuracy--script-alert--x----script----co\""), std::string::npos);
  for (const char* kind : {"accuracy", "agreement", "pairs", "latency", "latency-changes",
                           "nondeterminism", "failures", "images", "mutants"})
    EXPECT_NE(html.find(fmt::format("<section id=\"{}-fmnist-net\">", kind)), std::string::npos)
        << kind;
  EXPECT_EQ(html.find("id=\"mutants--script"), std::string::npos);  // that model has no mutants
  // Four charts of fmnist-net (the kill matrix's too), accuracy of the other.
  EXPECT_EQ(count(html, "<svg "), 4u + 1u);
  EXPECT_EQ(count(html, "<tr class=\"slower\">"), 1u);
  EXPECT_NE(html.find("▲ higher optimization level is slower"), std::string::npos);
  // Thumbnails: four Fashion-MNIST items as PNGs, the missing file with its reason.
  EXPECT_EQ(count(html, "<img src=\"data:image/png;base64,"), 4u);
  EXPECT_NE(html.find("<div class=\"noimage\">no picture: "), std::string::npos);
  EXPECT_NE(html.find("/nonexistent/pullover.png"), std::string::npos);
  // Kill matrix: two killed cells, one survivor, one not compared, and the score row.
  EXPECT_EQ(count(html, "class=\"num killed\""), 2u);
  EXPECT_EQ(count(html, "class=\"num survived\""), 1u);
  EXPECT_NE(html.find("<td class=\"num\">1 of 2 (50.00%)</td>"), std::string::npos);
  // n/a not counted
  EXPECT_NE(html.find("<td class=\"num\">1 of 1 (100.00%)</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"note muted\">no input answered ok by both (a: 200, b: 0)</td>"),
            std::string::npos);
  EXPECT_NE(html.find("7 inputs, 5 listed, the least agreed first."), std::string::npos);
  EXPECT_NE(html.find("run done; the original model has no run in ort@cpu:O3\">n/a</span>"),
            std::string::npos);
  // Nothing from the network.
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(count(html, "http://"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
}

TEST(ReportHtml, EmptyReportShowsItsNotes) {
  analysis::ReportData data;
  data.notes = {"the store has no runs"};
  const std::string html = report_html(data);
  EXPECT_NE(html.find("<section id=\"notes\""), std::string::npos);
  EXPECT_NE(html.find("<li>the store has no runs</li>"), std::string::npos);
  EXPECT_NE(html.find("The store holds no model."), std::string::npos);
  EXPECT_NE(report_markdown(data).find("- the store has no runs\n"), std::string::npos);
}

TEST(ReportSvg, EscapesTextAndAttributesAndChecksNesting) {
  Svg svg(100, 50, "a<b");
  svg.text(1.234, 5, "x & <y>", {{"class", "q\"uote"}});
  svg.rect(0, 0, 10.005, 3, {}, "tip <1>");
  const std::string out = svg.str();
  EXPECT_NE(out.find("aria-label=\"a&lt;b\""), std::string::npos);
  EXPECT_NE(out.find("<text x=\"1.23\" y=\"5\" class=\"q&quot;uote\">x &amp; &lt;y&gt;</text>"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("<title>tip &lt;1&gt;</title>"), std::string::npos);
  Svg open(1, 1, "open");
  open.open("g", {});
  EXPECT_THROW(open.str(), InternalError);
  EXPECT_EQ(svg_number(-0.001), "0");
  EXPECT_EQ(svg_number(2.5), "2.5");
}

TEST(ReportSvg, AxesHaveRoundTicks) {
  const Axis linear = Axis::linear(0, 23, 0, 100);
  EXPECT_EQ(linear.ticks(), (std::vector<double>{0, 5, 10, 15, 20, 25}));
  EXPECT_DOUBLE_EQ(linear.position(12.5), 50);
  const Axis log = Axis::logarithmic(0.7, 130, 0, 300);
  EXPECT_EQ(log.ticks(), (std::vector<double>{0.5, 1, 2, 5, 10, 20, 50, 100, 200}));
  EXPECT_DOUBLE_EQ(log.position(0.5), 0);
  EXPECT_DOUBLE_EQ(log.position(10), 150);  // 0.5..200 spans 400x; 0.5..10 is 20x = half of it
  EXPECT_EQ(heat_colour(0), "#ffffff");
  EXPECT_EQ(heat_colour(1), "#b30000");
}

TEST(ReportThumbnail, EnlargesFashionMnistItemsAndExplainsFailures) {
  EXPECT_EQ(base64("Man"), "TWFu");
  EXPECT_EQ(base64("Ma"), "TWE=");
  EXPECT_EQ(base64("M"), "TQ==");
  Thumbnails thumbnails;
  const Thumbnail t = thumbnails.of("fashion-mnist:test#0");
  ASSERT_TRUE(t.error.empty()) << t.error;
  ASSERT_TRUE(t.data_uri.starts_with("data:image/png;base64,"));
  // Decode the base64 back and read the PNG: 28 x 3 = 84 pixels a side.
  std::string b64 = t.data_uri.substr(t.data_uri.find(',') + 1), bytes;
  const std::string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : b64) {
    if (c == '=') break;
    buffer = (buffer << 6) | static_cast<uint32_t>(digits.find(c));
    if ((bits += 6) >= 8) bytes += static_cast<char>((buffer >> (bits -= 8)) & 0xFF);
  }
  const std::string png = testing::write_file("thumb.png", bytes);
  std::string why;
  const std::optional<data::Image> image = data::read_image(png, why);
  ASSERT_TRUE(image) << why;
  EXPECT_EQ(image->width, 84);
  EXPECT_EQ(image->height, 84);
  EXPECT_EQ(image->at(0, 0, 0), image->at(2, 2, 0));  // nearest neighbour: 3x3 blocks

  EXPECT_NE(thumbnails.of("images:/nonexistent/x.png").error, "");
  EXPECT_NE(thumbnails.of("fashion-mnist:test#99999").error.find("past the end"),
            std::string::npos);
  EXPECT_NE(thumbnails.of("nonsense").error.find("not of the form"), std::string::npos);
}

}  // namespace
}  // namespace nnd::report
