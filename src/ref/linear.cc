#include "ref/op_call.h"

namespace nnd::ref {

OpOutputs op_Gemm(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_MatMul(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

}  // namespace nnd::ref
