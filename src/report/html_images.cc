// The HTML page's gallery of images whose top-1 label is not the same in every environment: a
// thumbnail (or why there is none), the key and label, and each environment's answer with the
// answers that differ from the baseline's (or, without one, from the most common) marked.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "report/html_parts.h"
#include "report/lookup.h"
#include "report/text.h"

namespace nnd::report::html {

namespace {

std::optional<int32_t> reference_answer(const analysis::ModelReport& model,
                                        const analysis::DisagreeingImage& image) {
  if (auto it = image.top1.find(model.baseline); it != image.top1.end()) return it->second;
  std::map<int32_t, int> votes;
  for (const auto& [environment, top1] : image.top1) ++votes[top1];
  std::optional<int32_t> best;
  for (const auto& [top1, count] : votes)
    if (!best || count > votes[*best]) best = top1;
  return best;
}

std::string card(const analysis::ModelReport& model, const analysis::DisagreeingImage& image,
                 Thumbnails& thumbnails) {
  const Thumbnail thumbnail = thumbnails.of(image.dataset_key);
  std::string out = "<figure class=\"item\">";
  if (!thumbnail.data_uri.empty())
    out += fmt::format("<img src=\"{}\" alt=\"{}\">", thumbnail.data_uri,
                       escape_xml(image.dataset_key));
  else
    out += fmt::format("<div class=\"noimage\">no picture: {}</div>", escape_xml(thumbnail.error));
  out += fmt::format("<figcaption><div class=\"key\" title=\"{}\">{}</div>",
                     escape_xml(image.source), escape_xml(image.dataset_key));
  out += image.label ? fmt::format("<div>label <b>{}</b></div>", *image.label)
                     : std::string("<div class=\"muted\">no label</div>");
  out += "<table class=\"votes\">";
  const std::optional<int32_t> reference = reference_answer(model, image);
  for (const auto& [environment, top1] : top1_in_order(model, image)) {
    const bool off = reference && top1 != *reference;
    const bool wrong = image.label && top1 != *image.label;
    out += fmt::format("<tr{}><td>{}</td><td class=\"num{}\">{}</td></tr>",
                       off ? " class=\"off\"" : "", escape_xml(environment), wrong ? " wrong" : "",
                       top1);
  }
  return out + "</table></figcaption></figure>\n";
}

}  // namespace

std::string image_gallery(const analysis::ModelReport& model, Thumbnails& thumbnails) {
  if (model.disagreeing_images.empty())
    return "<p class=\"empty\">Every environment gave the same top-1 label to every input.</p>\n";
  const int64_t listed = static_cast<int64_t>(model.disagreeing_images.size());
  const int64_t total = std::max(listed, model.disagreeing_images_total);
  std::string out = fmt::format(
      "<p class=\"legend\">{} inputs{}, the least agreed first. Highlighted rows differ from the "
      "baseline's answer (the most common answer where the baseline gave none); struck-through "
      "labels are wrong.</p>\n<div class=\"gallery\">\n",
      total, listed < total ? fmt::format(", {} listed", listed) : "");
  for (const analysis::DisagreeingImage& image : model.disagreeing_images)
    out += card(model, image, thumbnails);
  return out + "</div>\n";
}

}  // namespace nnd::report::html
