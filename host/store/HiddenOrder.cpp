#include "host/store/HiddenOrder.h"

#include <utility>

namespace orderhost::store {
namespace {

thread_local std::string hiddenId;  // empty: nothing hidden

}  // namespace

HiddenOrder::HiddenOrder(std::string id) : previous_(std::exchange(hiddenId, std::move(id))) {}

HiddenOrder::~HiddenOrder() { hiddenId = std::move(previous_); }

bool HiddenOrder::hides(const std::string& id) { return !hiddenId.empty() && id == hiddenId; }

}  // namespace orderhost::store
