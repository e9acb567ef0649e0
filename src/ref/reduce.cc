#include "ref/op_call.h"

namespace nnd::ref {

OpOutputs op_ReduceMean(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

}  // namespace nnd::ref
