#pragma once
// Text helpers every renderer shares: escaping for XML/HTML, and the few number spellings the
// report uses, so that the same figure reads the same in every format.
#include <optional>
#include <string>
#include <string_view>

namespace nnd::report {

// &, <, >, " and ' as entities: safe in element text and in quoted attribute values.
std::string escape_xml(std::string_view text);

// A percentage with two decimals, e.g. "12.50%".
std::string percent(double value);
// A fraction (0..1) as a percentage with two decimals, e.g. 0.125 -> "12.50%".
std::string fraction_percent(double fraction);
// A number with `digits` decimals; "inf", "-inf" and "nan" for non-finite values.
std::string fixed(double value, int digits);
// A number in the shortest form that keeps 4 significant digits, e.g. 1.234e-05, 0.5, 1234.
std::string general(double value);
// A latency in milliseconds with a precision that suits its size, e.g. "0.0412 ms", "12.3 ms".
std::string milliseconds(double ms);

// Text usable in an HTML id: letters, digits, '_', '.' and '-' kept, anything else becomes '-'.
std::string id_fragment(std::string_view text);

}  // namespace nnd::report
