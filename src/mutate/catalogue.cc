#include "mutate/catalogue.h"

#include "core/error.h"

namespace nnd::mutate {

namespace {

struct CategoryInfo {
  Category category;
  std::string_view id, name;
};

const std::vector<CategoryInfo>& category_table() {
  static const std::vector<CategoryInfo> table = {
#define X(Enum, id, name) {Category::Enum, id, name},
#include "mutate/categories.def"
#undef X
  };
  return table;
}

}  // namespace

const std::vector<OperatorInfo>& operators() {
  using enum Category;
  using enum Level;
  static const std::vector<OperatorInfo> table = {
#define X(Enum, id, category, level, description) \
  {Operator::Enum, id, category, level, description},
#include "mutate/operators.def"
#undef X
  };
  return table;
}

const OperatorInfo& info(Operator op) { return operators()[static_cast<size_t>(op)]; }

std::string_view category_id(Category category) {
  return category_table()[static_cast<size_t>(category)].id;
}

std::string_view category_name(Category category) {
  return category_table()[static_cast<size_t>(category)].name;
}

const std::vector<Category>& categories() {
  static const std::vector<Category> list = [] {
    std::vector<Category> out;
    for (const CategoryInfo& c : category_table()) out.push_back(c.category);
    return out;
  }();
  return list;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kGraph:
      return "graph";
    case Level::kLoop:
      return "loop";
    case Level::kInput:
      return "input";
  }
  return "?";
}

std::optional<Operator> find_operator(std::string_view id) {
  for (const OperatorInfo& o : operators())
    if (o.id == id) return o.op;
  return std::nullopt;
}

std::optional<Category> find_category(std::string_view id) {
  for (const CategoryInfo& c : category_table())
    if (c.id == id) return c.category;
  return std::nullopt;
}

Operator operator_named(std::string_view id) {
  if (auto op = find_operator(id)) return *op;
  fail("unknown mutation operator '{}' (see nndelta mutants operators)", id);
}

std::vector<Operator> operators_of_category(std::string_view id) {
  std::optional<Category> category = find_category(id);
  if (!category) fail("unknown mutation category '{}' (see nndelta mutants operators)", id);
  std::vector<Operator> out;
  for (const OperatorInfo& o : operators())
    if (o.category == *category) out.push_back(o.op);
  return out;
}

bool applies_to_framework(Level level, std::string_view framework) {
  return level != Level::kLoop || framework == "halide";
}

}  // namespace nnd::mutate
