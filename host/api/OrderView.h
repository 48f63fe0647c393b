// How an order looks to API clients: its record, its document and its step history.
#pragma once

#include "host/store/InquiryStore.h"
#include "host/store/OrderStore.h"

#include <string>
#include <vector>

namespace orderhost::api {

// The view as JSON text: the order's fields, "document" as stored, "steps": the step history;
// "timeline": what happened to the order in time order, the step history's entries, its
// inquiries' (inquiry.opened, inquiry.answered) and its ended returns merged.
std::string orderView(const store::OrderRecord& order, const std::vector<store::StepRunRecord>& steps,
                      const std::vector<store::InquiryRecord>& inquiries = {});

}  // namespace orderhost::api
