// The HTML report in a real browser: headless Chromium renders a hand-built report and one that
// `nndelta report` wrote from a store; the screenshot must not be blank, the DOM must hold every
// section and chart, and the console must stay silent. Skipped only where /usr/bin/chromium is
// absent (scripts/setup installs it).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "cli_runner.h"
#include "data/image.h"
#include "report/report.h"
#include "report_fixture.h"
#include "report_store.h"

namespace nnd::report {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

struct BrowserRun {
  int exit_code = -1;
  std::string out;  // stdout: the DOM with --dump-dom
  std::string log;  // stderr, with --enable-logging=stderr
  std::string log_path;
};

// Runs Chromium headless on one file with a fresh profile; killed after 60 s.
BrowserRun chromium(const std::string& extra_flags, const std::string& html_path,
                    const std::string& name) {
  const std::string profile = testing::temp_path(name + "-profile");
  std::filesystem::remove_all(profile);
  std::filesystem::create_directories(profile);
  BrowserRun run;
  run.log_path = testing::temp_path(name + "-stderr.txt");
  const std::string command = fmt::format(
      "timeout -k 5 60 {} --headless --no-sandbox --disable-gpu --disable-background-networking "
      "--disable-component-update --disable-sync --no-first-run --user-data-dir={} "
      "--enable-logging=stderr --v=0 {} file://{} 2>{}",
      kChromium, profile, extra_flags, std::filesystem::absolute(html_path).string(), run.log_path);
  FILE* pipe = popen(command.c_str(), "r");
  std::array<char, 65536> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) run.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream log(run.log_path);
  run.log.assign(std::istreambuf_iterator<char>(log), {});
  std::filesystem::remove_all(profile);
  return run;
}

// The page's console messages (uncaught exceptions included), as Chromium 156 logs them:
//   [pid:tid:date:INFO:CONSOLE:1] "message", source: file:///... (1)
std::vector<std::string> console_lines(const std::string& log) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    const std::string line = log.substr(start, end - start);
    if (line.find(":CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos)
      lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

#define SKIP_WITHOUT_CHROMIUM()                                                    \
  if (!std::filesystem::exists(kChromium))                                         \
  GTEST_SKIP() << kChromium                                                        \
               << " is not installed (scripts/setup installs Debian's chromium); " \
                  "the HTML report is not checked in a browser"

TEST(ReportBrowser, ConsoleMessagesAreCaught) {
  SKIP_WITHOUT_CHROMIUM();
  // The check below must be able to fail: a page with an error and an exception shows both.
  const std::string page = testing::write_file(
      "noisy.html",
      "<!DOCTYPE html><html><body><p id=\"here\">x</p><script>console.error('noisy-error');"
      "no_such_function();</script></body></html>");
  const BrowserRun run = chromium("--dump-dom", page, "noisy");
  ASSERT_EQ(run.exit_code, 0) << run.log;
  EXPECT_NE(run.out.find("<p id=\"here\">"), std::string::npos) << run.out;
  const std::vector<std::string> lines = console_lines(run.log);
  ASSERT_EQ(lines.size(), 2u) << run.log;
  EXPECT_NE(lines[0].find("noisy-error"), std::string::npos);
  EXPECT_NE(lines[1].find("Uncaught ReferenceError: no_such_function"), std::string::npos);
}

TEST(ReportBrowser, HandBuiltReportRendersEverySection) {
  SKIP_WITHOUT_CHROMIUM();
  const std::string dir = testing::temp_path("hand-built");
  std::filesystem::remove_all(dir);
  const std::string html = write_report(test::sample_report(), Format::kHtml, dir).at(0);

  const std::string screenshot = testing::temp_path("hand-built.png");
  std::filesystem::remove(screenshot);
  const BrowserRun shot =
      chromium(fmt::format("--screenshot={} --window-size=1200,3000", screenshot), html, "shot");
  ASSERT_EQ(shot.exit_code, 0) << shot.log;
  std::string why;
  const std::optional<data::Image> image = data::read_image(screenshot, why);
  ASSERT_TRUE(image) << why;
  std::printf("screenshot: %s\n", screenshot.c_str());
  EXPECT_EQ(image->width, 1200);
  EXPECT_EQ(image->height, 3000);
  // Not blank: the grey levels vary and the charts bring many colours.
  double sum = 0, sum_sq = 0;
  std::set<uint32_t> colours;
  const size_t pixels = static_cast<size_t>(image->width) * image->height;
  for (size_t p = 0; p < pixels; ++p) {
    uint32_t colour = 0;
    double grey = 0;
    for (int c = 0; c < image->channels; ++c) {
      const uint8_t v = image->pixels[p * image->channels + c];
      colour = colour << 8 | v;
      grey += v / static_cast<double>(image->channels);
    }
    colours.insert(colour);
    sum += grey;
    sum_sq += grey * grey;
  }
  const double mean = sum / pixels, variance = sum_sq / pixels - mean * mean;
  EXPECT_GT(std::sqrt(variance), 20) << "a nearly uniform screenshot";
  EXPECT_GT(colours.size(), 200u);
  EXPECT_TRUE(console_lines(shot.log).empty()) << shot.log;

  const BrowserRun dom = chromium("--dump-dom", html, "dom");
  ASSERT_EQ(dom.exit_code, 0) << dom.log;
  EXPECT_TRUE(console_lines(dom.log).empty()) << dom.log;
  for (const char* kind : {"accuracy", "agreement", "pairs", "latency", "latency-changes",
                           "nondeterminism", "failures", "images", "mutants"})
    EXPECT_NE(dom.out.find(fmt::format("<section id=\"{}-fmnist-net\">", kind)), std::string::npos)
        << kind;
  EXPECT_NE(dom.out.find("<section id=\"notes\""), std::string::npos);
  EXPECT_NE(dom.out.find("id=\"accuracy--script-alert--x----script----co\""), std::string::npos);
  // The browser parsed the user's "<script>" as text: no script element exists.
  EXPECT_EQ(dom.out.find("<script"), std::string::npos);
  EXPECT_EQ(count(dom.out, "<svg "), 5u);
  EXPECT_EQ(count(dom.out, "<linearGradient"), 2u);
  // Accuracy bars 4 + 1, heatmap cells 4 x 4 and its legend, latency boxes 4, median CI bands
  // 4 and 2 alternate-row stripes, kill matrix cells 2 x 2 and its legend.
  EXPECT_EQ(count(dom.out, "<rect "), 5u + 17u + 10u + 5u);
  EXPECT_EQ(count(dom.out, "<img src=\"data:image/png;base64,"), 4u);
}

TEST(ReportBrowser, ReportOfAStoreRenders) {
  SKIP_WITHOUT_CHROMIUM();
  const std::string store = test::fresh_store_path("browser.db");
  test::fill_report_store(*campaign::Store::open(store));
  const std::string out = testing::temp_path("browser-out");
  const auto cli = nnd::testing::run_cli("report " + store + " --out " + out);
  ASSERT_EQ(cli.exit_code, 0) << cli.out;
  const BrowserRun dom = chromium("--dump-dom", out + "/report.html", "store-dom");
  ASSERT_EQ(dom.exit_code, 0) << dom.log;
  EXPECT_TRUE(console_lines(dom.log).empty()) << dom.log;
  for (const char* kind : {"accuracy", "agreement", "pairs", "latency", "latency-changes",
                           "nondeterminism", "failures", "images"})
    EXPECT_NE(dom.out.find(fmt::format("<section id=\"{}-net\">", kind)), std::string::npos)
        << kind;
  EXPECT_EQ(dom.out.find("<section id=\"mutants-net\">"), std::string::npos);
  EXPECT_EQ(count(dom.out, "<svg "), 3u);                              // accuracy, heatmap, latency
  EXPECT_EQ(count(dom.out, "<img src=\"data:image/png;base64,"), 2u);  // items 1 and 4
}

}  // namespace
}  // namespace nnd::report
