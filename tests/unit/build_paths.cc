#include "build_paths.h"

namespace nnd::test {

const char* nndelta_binary() { return NNDELTA_BINARY; }

std::string zoo_dir() { return NNDELTA_SOURCE_DIR "/zoo/"; }

}  // namespace nnd::test
