#pragma once
// Small file and process helpers of the compiler: a whole text file written or read, and a tool
// (c++, ar) run to completion.
#include <string>
#include <vector>

namespace nnd::compiler {

// A file that cannot be written is a UserError naming it.
void write_text(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);
// Runs args[0] (looked up on PATH) and waits; a non-zero exit is a UserError quoting the command
// and saying what it was for.
void run_tool(std::vector<std::string> args, const std::string& purpose);

}  // namespace nnd::compiler
