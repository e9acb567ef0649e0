#pragma once
// A tiny SVG builder: elements are appended in drawing order, every attribute value and text is
// escaped, numbers are written with at most two decimals. Charts (one file each) draw with it;
// the result is an inline <svg> element for the HTML report.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nnd::report {

using Attributes = std::vector<std::pair<std::string, std::string>>;

// A coordinate or length as SVG gets it: at most two decimals, trailing zeros dropped.
std::string svg_number(double value);

class Svg {
 public:
  // `label` names the chart for screen readers (role="img" with aria-label and a <title>).
  Svg(double width, double height, std::string_view label);

  // A <title> child makes `tooltip` show on hover; empty adds none.
  void rect(double x, double y, double width, double height, Attributes extra = {},
            std::string_view tooltip = "");
  void line(double x1, double y1, double x2, double y2, Attributes extra = {});
  void circle(double cx, double cy, double r, Attributes extra = {});
  void text(double x, double y, std::string_view content, Attributes extra = {});
  // Any other element, e.g. a <linearGradient> stop or a <path>.
  void element(std::string_view tag, const Attributes& attributes, std::string_view text = "",
               std::string_view tooltip = "");
  // Groups nest; every open needs its close before str().
  void open(std::string_view tag, const Attributes& attributes);
  void close(std::string_view tag);

  std::string str() const;

 private:
  double width_, height_;
  std::string label_;
  std::string body_;
  int depth_ = 0;
};

}  // namespace nnd::report
