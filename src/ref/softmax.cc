#include "ref/op_call.h"

namespace nnd::ref {

OpOutputs op_Softmax(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_LogSoftmax(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

}  // namespace nnd::ref
