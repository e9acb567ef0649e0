#include "ref/op_call.h"

namespace nnd::ref {

OpOutputs op_Concat(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Split(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Slice(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Gather(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Flatten(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Reshape(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Transpose(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Squeeze(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Unsqueeze(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Pad(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

}  // namespace nnd::ref
