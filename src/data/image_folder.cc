// Datasets of image files: class sub-folders, a flat folder with labels.csv, a CSV file, or a
// flat folder without labels. Images are decoded when their item is asked for.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "data/dataset.h"

namespace nnd::data {

namespace fs = std::filesystem;

namespace {

struct Entry {
  std::string path;
  std::optional<std::string> label;
};

bool is_image_name(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

bool is_hidden(const fs::path& path) { return path.filename().string().starts_with("."); }

std::vector<fs::path> sorted_listing(const fs::path& dir) {
  std::vector<fs::path> paths;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (!is_hidden(it->path())) paths.push_back(it->path());
  if (ec) fail("{}: cannot list folder ({})", dir.string(), ec.message());
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string trim(std::string s) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && space(s.back())) s.pop_back();
  size_t start = 0;
  while (start < s.size() && space(s[start])) ++start;
  s.erase(0, start);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// `file,label` lines; a `file,label` header, blank lines and # comments are skipped. The label
// is after the last comma, so file names may contain commas.
std::vector<Entry> read_csv(const fs::path& csv) {
  std::ifstream in(csv);
  if (!in) fail("{}: cannot open labels CSV", csv.string());
  std::vector<Entry> entries;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string text = trim(line);
    if (text.empty() || text.starts_with("#") || (number == 1 && text == "file,label")) continue;
    size_t comma = text.rfind(',');
    if (comma == std::string::npos)
      fail("{}:{}: expected 'file,label', got '{}'", csv.string(), number, text);
    std::string file = trim(text.substr(0, comma));
    std::string label = trim(text.substr(comma + 1));
    if (file.empty() || label.empty())
      fail("{}:{}: expected 'file,label', got '{}'", csv.string(), number, text);
    entries.push_back({(csv.parent_path() / file).string(), label});
  }
  return entries;
}

class ImageFolder : public Dataset {
 public:
  ImageFolder(std::string root, std::string layout, std::vector<Entry> entries, size_t skipped)
      : root_(std::move(root)),
        layout_(std::move(layout)),
        entries_(std::move(entries)),
        skipped_(skipped) {}

  size_t size() const override { return entries_.size(); }

  Item item(size_t index) override {
    const Entry& entry = entries_.at(index);
    Item item;
    item.key = "images:" + entry.path;
    item.source = entry.path;
    if (entry.label) item.label = Label{std::nullopt, *entry.label};
    std::string why;
    item.image = read_image(entry.path, why);
    if (!item.image) item.error = why;
    return item;
  }

  std::string description() const override {
    std::string text = fmt::format("images:{} ({} images, {})", root_, entries_.size(), layout_);
    if (skipped_ > 0)
      text += fmt::format("; {} other file(s) ignored (not .png/.jpg/.jpeg/.bmp)", skipped_);
    return text;
  }

 private:
  std::string root_;
  std::string layout_;
  std::vector<Entry> entries_;
  size_t skipped_;
};

}  // namespace

std::unique_ptr<Dataset> open_image_folder(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail("{}: no such file or folder", path);
  if (fs::is_regular_file(path, ec)) {
    if (fs::path(path).extension() != ".csv")
      fail("{}: an images dataset is a folder or a .csv file of `file,label` lines", path);
    return std::make_unique<ImageFolder>(path, "labels from the CSV", read_csv(path), 0);
  }
  if (!fs::is_directory(path, ec)) fail("{}: not a folder", path);
  const fs::path root(path);
  if (fs::exists(root / "labels.csv", ec))
    return std::make_unique<ImageFolder>(path, "labels from labels.csv",
                                         read_csv(root / "labels.csv"), 0);

  std::vector<Entry> entries;
  std::vector<fs::path> loose_images;
  size_t skipped = 0;
  size_t classes = 0;
  for (const fs::path& child : sorted_listing(root)) {
    if (fs::is_directory(child, ec)) {
      ++classes;
      for (const fs::path& file : sorted_listing(child)) {
        if (is_image_name(file))
          entries.push_back({file.string(), child.filename().string()});
        else
          ++skipped;
      }
    } else if (is_image_name(child)) {
      loose_images.push_back(child);
    } else {
      ++skipped;
    }
  }
  if (classes > 0 && !loose_images.empty())
    fail(
        "{}: has class sub-folders and also loose images such as {}; put every image in a "
        "class folder",
        path, loose_images.front().string());
  if (classes > 0)
    return std::make_unique<ImageFolder>(path, fmt::format("{} class folders", classes),
                                         std::move(entries), skipped);
  for (const fs::path& file : loose_images) entries.push_back({file.string(), std::nullopt});
  if (entries.empty()) fail("{}: no .png/.jpg/.jpeg/.bmp images in this folder", path);
  return std::make_unique<ImageFolder>(path, "no labels", std::move(entries), skipped);
}

}  // namespace nnd::data
