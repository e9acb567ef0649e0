#pragma once
// A mutant's name: one operator at one position, "operator@position" (`add-to-sub@2`). Its own
// file so that the halide compiler, which applies loop-level mutants, needs nothing else of
// src/mutate.
#include <string>

#include "mutate/catalogue.h"
#include "mutate/position.h"

namespace nnd::mutate {

struct MutantSpec {
  Operator op;
  Position position;

  // "add-to-sub@2"; parse() reads it back (a UserError names an unknown operator or position).
  std::string id() const;
  static MutantSpec parse(const std::string& id);
};

}  // namespace nnd::mutate
