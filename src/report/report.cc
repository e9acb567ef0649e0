#include "report/report.h"

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "report/csv.h"
#include "report/html.h"
#include "report/json.h"
#include "report/markdown.h"

namespace nnd::report {

namespace {

std::string write_file(const std::filesystem::path& dir, const std::string& name,
                       const std::string& text) {
  std::string path = (dir / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail("cannot write report file '{}'", path);
  out << text;
  out.close();
  if (!out) fail("cannot write report file '{}' (disk full?)", path);
  return path;
}

}  // namespace

Format parse_format(const std::string& text, const std::string& option) {
  if (text == "html") return Format::kHtml;
  if (text == "md") return Format::kMarkdown;
  if (text == "json") return Format::kJson;
  if (text == "csv") return Format::kCsv;
  fail("{} '{}' is not one of html, md, json, csv", option, text);
}

std::vector<std::string> write_report(const analysis::ReportData& data, Format format,
                                      const std::string& out_dir) {
  const std::filesystem::path dir(out_dir);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error || !std::filesystem::is_directory(dir))
    fail("cannot create report folder '{}': {}", out_dir,
         error ? error.message() : "a file of that name exists");
  switch (format) {
    case Format::kHtml:
      return {write_file(dir, "report.html", report_html(data))};
    case Format::kMarkdown:
      return {write_file(dir, "report.md", report_markdown(data))};
    case Format::kJson:
      return {write_file(dir, "report.json", report_json(data).dump(2) + "\n")};
    case Format::kCsv: {
      std::vector<std::string> written;
      for (const CsvTable& table : report_csv(data))
        written.push_back(write_file(dir, table.file_name, table.text));
      return written;
    }
  }
  NND_CHECK(false, "unknown report format {}", static_cast<int>(format));
}

std::string default_out_dir(const std::string& store) {
  const std::filesystem::path path(store);
  return (path.parent_path() / (path.stem().string() + "-report")).string();
}

}  // namespace nnd::report
