#pragma once
// Where the tests find the sources and the nndelta binary of this build. The paths are compiled
// into build_paths.cc alone, so that the other test files compile the same in every checkout
// (and hit the compiler cache).
#include <string>

namespace nnd::test {

// The nndelta executable of this build.
const char* nndelta_binary();
// The source tree's zoo folder, with a trailing slash.
std::string zoo_dir();

}  // namespace nnd::test
