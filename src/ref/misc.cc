#include "ref/op_call.h"

namespace nnd::ref {

OpOutputs op_Shape(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Cast(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Constant(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Identity(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Dropout(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

}  // namespace nnd::ref
