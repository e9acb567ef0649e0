#include "ref/op_call.h"

namespace nnd::ref {

OpOutputs op_Resize(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_Upsample(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

}  // namespace nnd::ref
