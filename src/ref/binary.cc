#include "ref/op_call.h"

namespace nnd::ref {

OpOutputs op_Add(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Sub(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Mul(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Div(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Pow(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Sum(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Max(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Min(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Greater(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Less(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Equal(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Where(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

}  // namespace nnd::ref
