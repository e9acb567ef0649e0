#include "ref/op_call.h"

namespace nnd::ref {

OpOutputs op_Sqrt(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Exp(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Round(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Erf(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Neg(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Abs(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

}  // namespace nnd::ref
