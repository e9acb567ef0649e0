#include "backends/halide/cache_dir.h"

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace nnd::backends::halide {

std::string cache_dir() {
  if (const char* dir = std::getenv("NNDELTA_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return (fs::path(xdg) / "nndelta" / "halide").string();
  const char* home = std::getenv("HOME");
  return (fs::path(home && *home ? home : "/tmp") / ".cache" / "nndelta" / "halide").string();
}

}  // namespace nnd::backends::halide
