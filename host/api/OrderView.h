// How an order looks to API clients: its record, its document and its step history.
#pragma once

#include "host/store/InquiryStore.h"
#include "host/store/OrderStore.h"

#include <Poco/JSON/Object.h>

#include <vector>

namespace orderhost::api {

// "steps": the step history; "timeline": what happened to the order in time order, the step
// history's entries and its inquiries' (inquiry.opened, inquiry.answered) merged.
Poco::JSON::Object orderView(const store::OrderRecord& order, const std::vector<store::StepRunRecord>& steps,
                             const std::vector<store::InquiryRecord>& inquiries = {});

}  // namespace orderhost::api
