// POST /v1/admin/reload: the administrator's reload of chains and plugins (app/HostReload.h).
#include "host/api/Endpoints.h"

#include "host/api/ClientText.h"
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

Poco::JSON::Array::Ptr problems(const std::vector<engine::ReloadProblem>& items) {
    Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
    for (const auto& problem : items) {
        Poco::JSON::Object item(Poco::JSON_PRESERVE_KEY_ORDER);
        item.set("field", problem.where);
        item.set("message", problem.message);
        array->add(item);
    }
    return array;
}

std::string requester(const Caller& caller) {
    if (!caller.name.empty()) return "POST /v1/admin/reload (key " + caller.keyId + " '" + caller.name + "')";
    return "POST /v1/admin/reload";
}

}  // namespace

void postReload(ApiContext& context, const Caller& caller, const Poco::URI::QueryParameters& parameters,
                Poco::Net::HTTPServerResponse& response) {
    bool retireAll = false, seen = false;
    for (const auto& [name, value] : parameters) {
        if (name != "retire_all")
            return sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST,
                               "unknown query parameter '" + clientText(name, 64) + "' (retire_all is the only one)");
        if (seen)
            return sendProblem(response, HTTPResponse::HTTP_BAD_REQUEST,
                               "query parameter 'retire_all' is given more than once");
        seen = true;
        if (value != "true" && value != "false")
            return sendProblem(
                response, HTTPResponse::HTTP_BAD_REQUEST,
                "query parameter 'retire_all' must be true or false (got '" + clientText(value, 64) + "')");
        retireAll = value == "true";
    }
    if (!context.reload)
        return sendProblem(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "this host cannot reload");
    const engine::ReloadReport report = context.reload(requester(caller), retireAll);
    if (!report.applied) {
        const Poco::JSON::Array::Ptr errors = problems(report.errors);
        const std::string first = report.errors.empty() ? std::string("unknown") : report.errors.front().toString();
        return sendProblem(
            response,
            report.databaseUnavailable ? HTTPResponse::HTTP_SERVICE_UNAVAILABLE
                                       : HTTPResponse::HTTP_UNPROCESSABLE_ENTITY,
            "reload refused, nothing changed (" + std::to_string(report.errors.size()) + " problem(s)): " + first,
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
    body.set("still_refused", problems(report.stillRefused));
    sendJson(response, HTTPResponse::HTTP_OK, body);
}

}  // namespace orderhost::api
