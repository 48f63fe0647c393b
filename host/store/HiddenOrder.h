// An order the request served on this thread may not see: an API key limited to chains asking
// for an order of another chain. While the scope lives, OrderStore::findById and findByRef
// answer as if the order did not exist, so the endpoint and the engine's commands take their
// own "not found" path — the same status, text and checks as for a missing order — and nothing
// in the reply tells that the order exists (host/api/RequestAuthorization.h, permitOrder).
//
//   const store::HiddenOrder hidden(order.id);  // for the rest of the request
//
// One per thread at a time; not shared with other threads (the request's own work only).
#pragma once

#include <string>

namespace orderhost::store {

class HiddenOrder {
public:
    explicit HiddenOrder(std::string id);
    ~HiddenOrder();
    HiddenOrder(const HiddenOrder&) = delete;
    HiddenOrder& operator=(const HiddenOrder&) = delete;

    // Whether the request on this thread may not see order `id`.
    static bool hides(const std::string& id);

private:
    std::string previous_;
};

}  // namespace orderhost::store
