#pragma once
// The compile cache: files addressed by a key (a SHA-256), each stored with the SHA-256 of its
// bytes beside it, written to a temporary name and renamed into place, so concurrent compilers
// never see half a file and a truncated or corrupt entry is found and rebuilt, never used.
// Location: $NNDELTA_CACHE_DIR, else $XDG_CACHE_HOME/nndelta/halide, else ~/.cache/nndelta/halide.
#include <functional>
#include <string>

namespace nnd::compiler {

class Cache {
 public:
  explicit Cache(std::string root);
  static std::string default_root();
  const std::string& root() const { return root_; }

  // The path of entry `key` with extension `ext` (".o", ".so", ".bin", ".json").
  std::string path(const std::string& key, const std::string& ext) const;
  // Whether the entry exists and its bytes match its checksum; a bad entry is removed.
  bool valid(const std::string& key, const std::string& ext) const;
  // Makes the entry by calling make(tmp_path) to write a temporary file, then checksums and
  // renames it into place. Returns the entry's path.
  std::string put(const std::string& key, const std::string& ext,
                  const std::function<void(const std::string& tmp)>& make) const;
  // valid() or put().
  std::string get_or_make(const std::string& key, const std::string& ext,
                          const std::function<void(const std::string& tmp)>& make,
                          bool* was_cached = nullptr) const;

 private:
  std::string root_;
};

}  // namespace nnd::compiler
