#include "compiler/cache.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "backends/halide/cache_dir.h"
#include "core/error.h"
#include "core/sha256.h"

namespace fs = std::filesystem;

namespace nnd::compiler {

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

std::string temporary_name(const fs::path& final_path) {
  static std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(getpid()));
  return fmt::format("{}.tmp{}-{:x}", final_path.string(), getpid(), rng());
}

void write_atomically(const fs::path& final_path, const std::string& text) {
  const std::string tmp = temporary_name(final_path);
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) fail("{}: cannot write the cache entry", tmp);
  }
  fs::rename(tmp, final_path);
}

}  // namespace

Cache::Cache(std::string root) : root_(std::move(root)) {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec || !fs::is_directory(root_))
    fail("{}: cannot create the compile cache folder ({})", root_, ec.message());
}

std::string Cache::default_root() { return backends::halide::cache_dir(); }

std::string Cache::path(const std::string& key, const std::string& ext) const {
  return (fs::path(root_) / key.substr(0, 2) / (key + ext)).string();
}

bool Cache::valid(const std::string& key, const std::string& ext) const {
  const fs::path entry = path(key, ext), sum = entry.string() + ".sha256";
  if (!fs::exists(entry) || !fs::exists(sum)) return false;
  if (sha256_file(entry.string()) == read_text(sum)) return true;
  std::error_code ec;
  fs::remove(sum, ec);
  fs::remove(entry, ec);
  return false;
}

std::string Cache::put(const std::string& key, const std::string& ext,
                       const std::function<void(const std::string& tmp)>& make) const {
  const fs::path entry = path(key, ext);
  fs::create_directories(entry.parent_path());
  const std::string tmp = temporary_name(entry) + ext;
  make(tmp);
  const std::string digest = sha256_file(tmp);
  fs::rename(tmp, entry);
  write_atomically(entry.string() + ".sha256", digest);
  return entry.string();
}

std::string Cache::get_or_make(const std::string& key, const std::string& ext,
                               const std::function<void(const std::string& tmp)>& make,
                               bool* was_cached) const {
  const bool hit = valid(key, ext);
  if (was_cached) *was_cached = hit;
  return hit ? path(key, ext) : put(key, ext, make);
}

}  // namespace nnd::compiler
