#include "campaign/inputs.h"

#include <fmt/format.h>

#include <charconv>

#include "core/error.h"
#include "data/evaluate.h"
#include "data/feeds.h"

namespace nnd::campaign {

namespace {

bool feeds_for(const data::DatasetSpec& spec, const std::vector<const data::CardedModel*>& models) {
  if (!data::is_feed_spec(spec)) return false;
  if (spec.kind != "npy") return true;
  // npy rows are checked against a card as before; a model without a card takes them as feeds.
  return !models.empty() && models.front()->card.from_model;
}

std::vector<data::Feed> read_model_feeds(const CampaignConfig& config,
                                         const data::DatasetSpec& spec,
                                         const data::CardedModel& model) {
  return data::read_feeds(
      spec, data::model_inputs(model.model, data::parse_shapes(config.shapes), model.path));
}

}  // namespace

CampaignInputs read_campaign_items(const CampaignConfig& config,
                                   const std::vector<const data::CardedModel*>& models) {
  const data::DatasetSpec spec = data::DatasetSpec::parse(config.dataset);
  CampaignInputs inputs;
  inputs.feeds = feeds_for(spec, models);
  if (inputs.feeds) {
    NND_CHECK(!models.empty(), "a campaign without models");
    for (data::Feed& feed : read_model_feeds(config, spec, *models.front())) {
      data::Item item;
      item.key = std::move(feed.key);
      item.source = spec.location;
      item.label = std::move(feed.label);
      inputs.items.push_back(std::move(item));
    }
    return inputs;
  }
  std::unique_ptr<data::Dataset> dataset = data::open_dataset(spec);
  for (size_t i = 0; i < dataset->size(); ++i) {
    data::Item item = dataset->item(i);
    if (!item.readable()) {
      inputs.unreadable.push_back(fmt::format("{}: {}", item.source, item.error));
      continue;
    }
    inputs.items.push_back(std::move(item));
  }
  return inputs;
}

std::vector<TensorMap> model_feeds(const CampaignConfig& config, const CampaignInputs& inputs,
                                   const data::CardedModel& model) {
  std::vector<TensorMap> out;
  out.reserve(inputs.items.size());
  if (!inputs.feeds) {
    if (model.card.from_model)
      fail(
          "{}: {} has no card, so the images of {} cannot be preprocessed for it; give a card, "
          "or prepared tensors (npz:, npy:, pb: or random:)",
          config.path, model.path, config.dataset);
    for (const data::Item& item : inputs.items)
      out.push_back({{model.card.input, data::model_input(item, model.card)}});
    return out;
  }
  std::vector<data::Feed> feeds =
      read_model_feeds(config, data::DatasetSpec::parse(config.dataset), model);
  if (feeds.size() != inputs.items.size())
    fail("{}: {} gives {} {} inputs, the campaign's first model {}", config.path, config.dataset,
         model.path, feeds.size(), inputs.items.size());
  for (size_t i = 0; i < feeds.size(); ++i) {
    if (feeds[i].key != inputs.items[i].key)
      fail("{}: {} gives {} the input '{}' where the campaign's first model has '{}'", config.path,
           config.dataset, model.path, feeds[i].key, inputs.items[i].key);
    out.push_back(std::move(feeds[i].inputs));
  }
  return out;
}

std::optional<int64_t> label_index(const data::Item& item, const data::ModelCard& card) {
  if (!item.label) return std::nullopt;
  if (!card.from_model)
    return static_cast<int64_t>(data::resolve_label(*item.label, card.labels, item));
  if (item.label->index) return *item.label->index;
  int64_t index = 0;
  const std::string& name = item.label->name;
  auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), index);
  if (error != std::errc() || end != name.data() + name.size() || index < 0)
    fail("{}: label '{}' of {} is not a class index (the model has no card to name its labels)",
         item.source, name, item.key);
  return index;
}

}  // namespace nnd::campaign
