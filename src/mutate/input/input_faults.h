#pragma once
// Input mutants: a fault in the preprocessing of src/data (data::InputFault). Each has one site,
// the model's preprocessing, applicable or not as the card says; a fault that leaves the input
// bit-identical on a probe image (NCHW and NHWC hold the same bytes with one channel) changes
// nothing and is reported so.
#include <vector>

#include "data/card.h"
#include "data/preprocess.h"
#include "mutate/catalogue.h"
#include "mutate/site.h"

namespace nnd::mutate::input {

data::InputFault fault_of(Operator op);

// The one site (the preprocessing) with the reason it does not apply, if it does not.
std::vector<Site> input_sites(const data::ModelCard& card, Operator op);

// Elements of the input tensor the fault changes on a probe image (a fixed pseudo-random image
// twice the card's size), so that a fault with no effect on this card is caught before any run.
int64_t probe_changed_elements(const data::ModelCard& card, data::InputFault fault);

// What the fault changes in the card's pipeline, as `nndelta mutants show` prints it.
std::string describe(const data::ModelCard& card, Operator op);

}  // namespace nnd::mutate::input
