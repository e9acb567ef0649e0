#pragma once
// Where compiled models live. Its own file: the compiler executable needs it without the
// compiler-process code, whose worker launcher would bring every backend (LibTorch, OpenCV) into
// nndelta-halide and cost a second of library loading per compile.
#include <string>

namespace nnd::backends::halide {

// The compile cache folder: $NNDELTA_CACHE_DIR, else $XDG_CACHE_HOME/nndelta/halide, else
// ~/.cache/nndelta/halide.
std::string cache_dir();

}  // namespace nnd::backends::halide
