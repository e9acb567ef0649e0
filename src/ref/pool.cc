#include "ref/op_call.h"

namespace nnd::ref {

OpOutputs op_MaxPool(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_AveragePool(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_GlobalAveragePool(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

OpOutputs op_GlobalMaxPool(const OpCall& call) { fail("{}: TODO ref op", call.node.label()); }

}  // namespace nnd::ref
