#include "mutate/spec.h"

#include <fmt/format.h>

#include "core/error.h"

namespace nnd::mutate {

std::string MutantSpec::id() const { return fmt::format("{}@{}", info(op).id, position.text()); }

MutantSpec MutantSpec::parse(const std::string& id) {
  const size_t at = id.rfind('@');
  if (at == std::string::npos)
    fail("mutant '{}': expected OPERATOR@POSITION, e.g. add-to-sub@1 (see nndelta mutants list)",
         id);
  return {operator_named(id.substr(0, at)), Position::parse(id.substr(at + 1))};
}

}  // namespace nnd::mutate
