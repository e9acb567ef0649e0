#include "compiler/lower/op_table.h"

#include <vector>

namespace nnd::compiler {

#define HALIDE_OP(op, fn, kind, inputs) Lowered fn(LowerContext&);
#include "compiler/lower/ops.def"
#undef HALIDE_OP

namespace {

const std::vector<OpInfo>& table() {
  static const std::vector<OpInfo> ops = {
#define HALIDE_OP(op, fn, kind, inputs) {#op, fn, OpKind::kind, inputs},
#include "compiler/lower/ops.def"
#undef HALIDE_OP
  };
  return ops;
}

}  // namespace

const OpInfo* find_op(const std::string& op_type) {
  for (const OpInfo& info : table())
    if (op_type == info.op_type) return &info;
  return nullptr;
}

std::string op_list() {
  std::string out;
  for (const OpInfo& info : table()) out += (out.empty() ? "" : ", ") + std::string(info.op_type);
  return out;
}

}  // namespace nnd::compiler
