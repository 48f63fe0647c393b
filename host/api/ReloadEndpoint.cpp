// POST /v1/admin/reload: the administrator's reload of chains and plugins (app/HostReload.h).
#include "host/api/Endpoints.h"

#include "host/api/JsonReply.h"

#include <Poco/JSON/Array.h>

namespace orderhost::api {
namespace {
using Poco::Net::HTTPResponse;

Poco::JSON::Array list(const std::vector<std::string>& items) {
    Poco::JSON::Array array;
    for (const auto& item : items) array.add(item);
    return array;
}

std::string requester(const Caller& caller) {
    if (!caller.name.empty()) return "POST /v1/admin/reload (key " + caller.keyId + " '" + caller.name + "')";
    return "POST /v1/admin/reload";
}

}  // namespace

void postReload(ApiContext& context, const Caller& caller, Poco::Net::HTTPServerResponse& response) {
    if (!context.reload) return sendProblem(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "this host cannot reload");
    const engine::ReloadReport report = context.reload(requester(caller));
    if (!report.applied) {
        Poco::JSON::Array::Ptr errors = new Poco::JSON::Array;
        for (const auto& error : report.errors) {
            Poco::JSON::Object item(Poco::JSON_PRESERVE_KEY_ORDER);
            item.set("field", error.where);
            item.set("message", error.message);
            errors->add(item);
        }
        const std::string first = report.errors.empty() ? std::string("unknown") : report.errors.front().toString();
        return sendProblem(response,
                           report.databaseUnavailable ? HTTPResponse::HTTP_SERVICE_UNAVAILABLE
                                                      : HTTPResponse::HTTP_UNPROCESSABLE_ENTITY,
                           "reload refused, nothing changed (" + std::to_string(report.errors.size()) +
                               " problem(s)): " + first,
                           errors);
    }
    Poco::JSON::Object chains(Poco::JSON_PRESERVE_KEY_ORDER);
    chains.set("added", list(report.added));
    chains.set("kept", list(report.kept));
    chains.set("retired", list(report.retired));
    chains.set("dropped", list(report.dropped));
    Poco::JSON::Object plugins(Poco::JSON_PRESERVE_KEY_ORDER);
    plugins.set("loaded", list(report.pluginBuilds));
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("applied", true);
    body.set("generation", report.generation);
    body.set("took_ms", report.tookMs);
    body.set("chains", chains);
    body.set("plugins", plugins);
    sendJson(response, HTTPResponse::HTTP_OK, body);
}

}  // namespace orderhost::api
