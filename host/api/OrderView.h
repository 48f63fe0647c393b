// How an order looks to API clients: its record, its document and its step history.
#pragma once

#include "host/store/OrderStore.h"

#include <Poco/JSON/Object.h>

#include <vector>

namespace orderhost::api {

Poco::JSON::Object orderView(const store::OrderRecord& order, const std::vector<store::StepRunRecord>& steps);

}  // namespace orderhost::api
