#include "report/svg.h"

#include <fmt/format.h>

#include <cmath>

#include "core/error.h"
#include "report/text.h"

namespace nnd::report {

namespace {

std::string attributes_text(const Attributes& attributes) {
  std::string out;
  for (const auto& [name, value] : attributes)
    out += fmt::format(" {}=\"{}\"", name, escape_xml(value));
  return out;
}

}  // namespace

std::string svg_number(double value) {
  if (!std::isfinite(value)) return "0";
  std::string text = fmt::format("{:.2f}", value);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text == "-0" ? "0" : text;
}

Svg::Svg(double width, double height, std::string_view label)
    : width_(width), height_(height), label_(label) {}

void Svg::element(std::string_view tag, const Attributes& attributes, std::string_view text,
                  std::string_view tooltip) {
  body_ += fmt::format("<{}{}", tag, attributes_text(attributes));
  if (text.empty() && tooltip.empty()) {
    body_ += "/>\n";
    return;
  }
  body_ += ">";
  if (!tooltip.empty()) body_ += "<title>" + escape_xml(tooltip) + "</title>";
  body_ += escape_xml(text) + fmt::format("</{}>\n", tag);
}

void Svg::rect(double x, double y, double width, double height, Attributes extra,
               std::string_view tooltip) {
  Attributes attributes{{"x", svg_number(x)},
                        {"y", svg_number(y)},
                        {"width", svg_number(std::max(0.0, width))},
                        {"height", svg_number(std::max(0.0, height))}};
  attributes.insert(attributes.end(), extra.begin(), extra.end());
  element("rect", attributes, "", tooltip);
}

void Svg::line(double x1, double y1, double x2, double y2, Attributes extra) {
  Attributes attributes{{"x1", svg_number(x1)},
                        {"y1", svg_number(y1)},
                        {"x2", svg_number(x2)},
                        {"y2", svg_number(y2)}};
  attributes.insert(attributes.end(), extra.begin(), extra.end());
  element("line", attributes);
}

void Svg::circle(double cx, double cy, double r, Attributes extra) {
  Attributes attributes{{"cx", svg_number(cx)}, {"cy", svg_number(cy)}, {"r", svg_number(r)}};
  attributes.insert(attributes.end(), extra.begin(), extra.end());
  element("circle", attributes);
}

void Svg::text(double x, double y, std::string_view content, Attributes extra) {
  Attributes attributes{{"x", svg_number(x)}, {"y", svg_number(y)}};
  attributes.insert(attributes.end(), extra.begin(), extra.end());
  body_ += fmt::format("<text{}>{}</text>\n", attributes_text(attributes), escape_xml(content));
}

void Svg::open(std::string_view tag, const Attributes& attributes) {
  body_ += fmt::format("<{}{}>\n", tag, attributes_text(attributes));
  ++depth_;
}

void Svg::close(std::string_view tag) {
  NND_CHECK(depth_ > 0, "closing <{}> with nothing open", tag);
  body_ += fmt::format("</{}>\n", tag);
  --depth_;
}

std::string Svg::str() const {
  NND_CHECK(depth_ == 0, "{} SVG elements left open", depth_);
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"{2}\"><title>{2}</title>\n{3}</svg>\n",
      svg_number(width_), svg_number(height_), escape_xml(label_), body_);
}

}  // namespace nnd::report
