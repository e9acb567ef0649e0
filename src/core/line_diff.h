#pragma once
// A line-level diff (longest common subsequence): changed lines prefixed '-' and '+', with one
// line of context around each change and "  ..." where unchanged lines were left out. Used for
// ONNX graphs and for loop IR and generated source (`nndelta mutants show`).
#include <string>
#include <vector>

namespace nnd {

// Empty when the two are the same.
std::string line_diff(const std::vector<std::string>& before,
                      const std::vector<std::string>& after);

// Text split at newlines.
std::vector<std::string> split_lines(const std::string& text);

}  // namespace nnd
