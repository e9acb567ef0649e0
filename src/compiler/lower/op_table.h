#pragma once
// The op table generated from ops.def.
#include <cstdint>
#include <string>

#include "compiler/lower/lower.h"

namespace nnd::compiler {

enum class OpKind { stage, elementwise, view };

struct OpInfo {
  const char* op_type;
  LowerFn lower;  // lower_view (an internal error) for views
  OpKind kind;
  uint32_t compile_time_inputs;  // bit i: input i is read as a constant
  bool compile_time(size_t input) const { return (compile_time_inputs >> input) & 1u; }
};

// The entry for op_type, or nullptr when halide does not lower it.
const OpInfo* find_op(const std::string& op_type);
// Every op, for messages.
std::string op_list();

}  // namespace nnd::compiler
