#include "host/api/RequestAuthorization.h"

#include "host/api/ClientText.h"
#include "host/api/RequestReading.h"
#include "host/document/JsonDocument.h"
#include "host/store/OrderSearch.h"

#include <algorithm>

namespace orderhost::api {
namespace {

bool allowed(const Caller& caller, const std::string& chain) {
    return caller.chains.empty() || std::find(caller.chains.begin(), caller.chains.end(), chain) != caller.chains.end();
}

std::string chainList(const Caller& caller) {
    std::string text;
    for (const std::string& chain : caller.chains) text += (text.empty() ? "" : ", ") + chain;
    return text;
}

std::string whoIs(const Caller& caller) {
    return caller.keyId.empty() ? "this caller" : "API key " + caller.keyId + " (" + clientText(caller.name, 200) + ")";
}

[[noreturn]] void refuseChain(const Caller& caller, const std::string& what) {
    throw AccessRefused{403, whoIs(caller) + " is limited to the chains " + chainList(caller) + "; " + what};
}

}  // namespace

Caller authenticateRequest(ApiKeyCache& keys, const Poco::Net::HTTPServerRequest& request) {
    try {
        return keys.authenticate(request.get("Authorization", ""));
    } catch (const Unauthenticated& e) {
        throw AccessRefused{401, e.detail};
    }
}

void permit(const Caller& caller, Access access) {
    if ((caller.roles & static_cast<unsigned>(access)) != 0) return;
    throw AccessRefused{
        403, whoIs(caller) + " has the roles " + rolesText(caller.roles) + "; this needs " + describeAccess(access)};
}

bool maySee(ApiContext& context, const Caller& caller, const std::string& id) {
    // Not an order id: no order to hide, and the route answers 404 by its own check (raw client
    // bytes must not reach SQL: on PostgreSQL a byte that is not UTF-8 fails the statement).
    if (caller.chains.empty() || !looksLikeOrderId(id)) return true;
    const std::vector<std::string> chains = store::OrderSearch(context.store.database()).chainsOf(id);
    return chains.empty() ||
           std::any_of(chains.begin(), chains.end(), [&](const auto& c) { return allowed(caller, c); });
}

void permitPlacement(ApiContext& context, const Caller& caller, const std::string& body) {
    if (caller.chains.empty()) return;
    // The intake's own parser: a body it reads differently (duplicate keys) cannot slip past.
    auto parsed = document::JsonDocument::parse(body);
    if (!parsed.ok()) return;
    std::string chain = context.intake.defaultChain();
    parsed.document->getString("/chain", chain);
    if (!allowed(caller, chain)) refuseChain(caller, "this order is for chain " + clientText(chain, 64));
}

std::string limitSearch(ApiContext& context, const Caller& caller, Poco::URI::QueryParameters& parameters) {
    if (caller.chains.empty()) return "";
    if (parameters.size() == 1 && parameters.front().first == "order_ref") {
        if (!looksLikeOrderRef(parameters.front().second)) return "";  // the search answers 404 itself
        const auto order = context.store.findByRef(parameters.front().second);
        return order && !maySee(context, caller, order->id) ? order->id : "";
    }
    bool named = false;
    for (const auto& [name, value] : parameters) {
        if (name != "chain") continue;
        if (!allowed(caller, value)) refuseChain(caller, "it cannot search chain " + clientText(value, 64));
        named = true;
    }
    if (named) return "";
    if (caller.chains.size() > 1) refuseChain(caller, "name one of them with chain=");
    parameters.emplace_back("chain", caller.chains.front());
    return "";
}

void permitWholeFeed(const Caller& caller) {
    if (!caller.chains.empty()) refuseChain(caller, "read the events of its orders at /v1/orders/{id}/events");
}

void permitEveryChainFigures(const Caller& caller) {
    if (!caller.chains.empty()) refuseChain(caller, "/metrics counts the orders of every chain");
}

}  // namespace orderhost::api
