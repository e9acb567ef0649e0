#pragma once
// The mutation catalogue: every operator once (operators.def), with its category and level.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nnd::mutate {

enum class Category {
#define X(Enum, id, name) Enum,
#include "mutate/categories.def"
#undef X
};

enum class Level { kGraph, kLoop, kInput };

enum class Operator {
#define X(Enum, id, category, level, description) Enum,
#include "mutate/operators.def"
#undef X
};

struct OperatorInfo {
  Operator op;
  std::string_view id;
  Category category;
  Level level;
  std::string_view description;
};

const std::vector<OperatorInfo>& operators();
const OperatorInfo& info(Operator op);
std::string_view category_id(Category category);
std::string_view category_name(Category category);  // as the research writes it
const std::vector<Category>& categories();
std::string_view level_name(Level level);  // graph, loop, input

std::optional<Operator> find_operator(std::string_view id);
std::optional<Category> find_category(std::string_view id);

// Operator `id`, or a UserError "unknown mutation operator 'x' (see nndelta mutants operators)".
Operator operator_named(std::string_view id);
// Every operator of the category `id`, or a UserError naming it.
std::vector<Operator> operators_of_category(std::string_view id);

// Whether operators of this level run on an environment of `framework`: graph and input operators
// on every framework, loop operators only where Halide compiled the model.
bool applies_to_framework(Level level, std::string_view framework);

}  // namespace nnd::mutate
