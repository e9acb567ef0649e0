#include "ref/op_call.h"

namespace nnd::ref {

OpOutputs op_Conv(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_ConvTranspose(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

}  // namespace nnd::ref
