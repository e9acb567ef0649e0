#pragma once
// What a campaign feeds its models: the dataset's readable items (their keys, labels and
// sources go to the store's inputs table) and each model's inputs by item position. Images and
// npy rows are preprocessed by each model's card; prepared tensors (npz:, pb:, random:, and npy:
// for a model without a card, data/feeds.h) are fed by input name, with the campaign's
// [dataset] shape for dims the model leaves symbolic, so that any ONNX model runs without a card.
#include <memory>
#include <string>
#include <vector>

#include "campaign/config.h"
#include "data/dataset.h"
#include "data/session.h"

namespace nnd::campaign {

struct CampaignInputs {
  std::vector<data::Item> items;        // readable, in dataset order
  std::vector<std::string> unreadable;  // "source: why"
  bool feeds = false;                   // prepared tensors, not a dataset of images/npy rows
};

// The items of config.dataset. For prepared tensors, those of the first model's feeds.
CampaignInputs read_campaign_items(const CampaignConfig& config,
                                   const std::vector<const data::CardedModel*>& models);

// The inputs of `model` for every item, by position. A model whose feeds name other items than
// the campaign's, or a model without a card on an image dataset, is a UserError naming it.
std::vector<TensorMap> model_feeds(const CampaignConfig& config, const CampaignInputs& inputs,
                                   const data::CardedModel& model);

// An item's label as a class index: the card's label of that name, or, for a model without a
// card (labels are class indices), the index itself.
std::optional<int64_t> label_index(const data::Item& item, const data::ModelCard& card);

}  // namespace nnd::campaign
