#include "ref/op_call.h"

namespace nnd::ref {

OpOutputs op_Relu(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_LeakyRelu(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_PRelu(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Clip(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Sigmoid(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_HardSigmoid(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_HardSwish(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Tanh(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

}  // namespace nnd::ref
