// What a caller may do (issue 13 item 3): the checks ApiRequestHandler makes before a route's
// endpoint runs — the role a route needs (ApiKeys.h) and, for keys limited to chains, whether
// the order or the placement is on one of the key's chains. A refusal is thrown as
// AccessRefused: 401 (who are you?) or 403 (you may not), with a detail that says why.
#pragma once

#include "host/api/ApiKeyCache.h"
#include "host/api/ApiRequestHandler.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/URI.h>

#include <string>

namespace orderhost::api {

struct AccessRefused {
    int status = 0;  // 401 or 403
    std::string detail;
};

// The caller of `request`; throws AccessRefused 401.
Caller authenticateRequest(ApiKeyCache& keys, const Poco::Net::HTTPServerRequest& request);

// Throws AccessRefused 403 unless the caller holds a role `access` allows.
void permit(const Caller& caller, Access access);

// For keys limited to chains: whether order `id` is on one of them (its current chain or the one
// it was placed on). An order that does not exist is "seen": the endpoint answers 404. One not
// seen is hidden for the request (store::HiddenOrder), never refused: a 403 would tell another
// shop's key that the id is in use.
bool maySee(ApiContext& context, const Caller& caller, const std::string& id);

// For keys limited to chains: the order in `body` must be placed on one of them ("chain", or
// the host's default chain). A body that is not a JSON object passes: the intake refuses it.
void permitPlacement(ApiContext& context, const Caller& caller, const std::string& body);

// For keys limited to chains: a search must name one of them (chain=, implied when the key has
// only one). order_ref alone: the id of the order it names when the key may not see it (the
// caller hides it for the request, see maySee), else "".
std::string limitSearch(ApiContext& context, const Caller& caller, Poco::URI::QueryParameters& parameters);

// The whole event feed: not for keys limited to chains (they read each order's events).
void permitWholeFeed(const Caller& caller);
// GET /metrics: figures of every chain (orders by chain and state): not for keys limited to chains.
void permitEveryChainFigures(const Caller& caller);

}  // namespace orderhost::api
