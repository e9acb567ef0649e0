#include "ref/op_call.h"

namespace nnd::ref {

OpOutputs op_BatchNormalization(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_InstanceNormalization(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_LRN(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

}  // namespace nnd::ref
