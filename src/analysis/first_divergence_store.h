#pragma once
// The store's first_divergences table (schema version 4, docs/store.md): writing the rows of
// analysis/first_divergence.h. Reading is read_first_divergences there.
#include <vector>

#include "analysis/first_divergence.h"

namespace nnd::analysis {

// In one transaction; a row whose (model, reference, candidate) exists is left as it is.
void write_first_divergences(campaign::Store& store, const std::vector<FirstDivergence>& rows);

}  // namespace nnd::analysis
