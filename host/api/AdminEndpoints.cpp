#include "host/api/Endpoints.h"

#include "host/api/JsonReply.h"
#include "host/api/OperationsEndpoints.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

namespace orderhost::api {
namespace {
using Poco::Net::HTTPResponse;

Poco::JSON::Array chainSteps(const engine::ReadyChain& chain) {
    Poco::JSON::Array steps;
    for (const auto& step : chain.definition.steps) {
        Poco::JSON::Object item(Poco::JSON_PRESERVE_KEY_ORDER);
        item.set("name", step.name);
        item.set("plugin", step.plugin);
        item.set("step", step.stepKind);
        item.set("attempts", step.attempts);
        steps.add(item);
    }
    return steps;
}

}  // namespace

void getWhoAmI(const Caller& caller, Poco::Net::HTTPServerResponse& response) {
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    // No id on the open host and for the legacy api.token: neither is a key of api_keys.
    if (!caller.keyId.empty()) body.set("key_id", caller.keyId);
    if (!caller.name.empty()) body.set("name", caller.name);
    Poco::JSON::Array roles;
    for (const auto& [bit, name] : {std::pair{kRoleErp, "erp"}, {kRoleViewer, "viewer"}, {kRoleAdmin, "admin"}}) {
        if ((caller.roles & bit) != 0) roles.add(std::string(name));
    }
    body.set("roles", roles);
    Poco::JSON::Array chains;
    for (const std::string& chain : caller.chains) chains.add(chain);
    body.set("chains", chains);
    sendJson(response, HTTPResponse::HTTP_OK, body);
}

void listPlugins(ApiContext& context, Poco::Net::HTTPServerResponse& response) {
    Poco::JSON::Array loaded;
    for (const auto* plugin : context.plugins.snapshot()) {
        Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
        auto manifest = parser.parse(plugin->manifest.toJson()).extract<Poco::JSON::Object::Ptr>();
        manifest->set("isolated", plugin->isolated != nullptr);  // plugins.isolate: runs in worker processes
        manifest->set("sha256", plugin->sha256);
        // After a reload loaded a new build of the id, the older build is listed too: chain
        // versions bound to it still run it.
        manifest->set("current", context.plugins.isCurrent(*plugin));
        loaded.add(manifest);
    }
    Poco::JSON::Array refused;
    for (const auto& refusal : context.plugins.refusalsSnapshot()) {
        Poco::JSON::Object item(Poco::JSON_PRESERVE_KEY_ORDER);
        item.set("file", refusal.file);
        item.set("reason", refusal.reason);
        refused.add(item);
    }
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("plugins", loaded);
    body.set("refused", refused);
    sendJson(response, HTTPResponse::HTTP_OK, body);
}

void listChains(ApiContext& context, Poco::Net::HTTPServerResponse& response) {
    const std::shared_ptr<const engine::ChainSet> set = context.chains.current();
    Poco::JSON::Array loaded;
    for (const auto& [name, versions] : set->chains) {
        for (const auto& [version, chain] : versions) {
            Poco::JSON::Object item(Poco::JSON_PRESERVE_KEY_ORDER);
            item.set("name", name);
            item.set("version", version);
            item.set("latest", chain == set->latest(name));
            // Its file was removed: loaded only for the orders still on it (admin-guide, Reload).
            item.set("retired", set->isRetired(name, version));
            item.set("trigger", chain->definition.trigger);
            if (!chain->definition.cancellableUntil.empty())
                item.set("cancellable_until", chain->definition.cancellableUntil);
            item.set("file", chain->definition.location.file);
            item.set("steps", chainSteps(*chain));
            loaded.add(item);
        }
    }
    Poco::JSON::Array errors;
    for (const auto& error : set->errors) errors.add(error.toString());
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("chains", loaded);
    body.set("errors", errors);
    sendJson(response, HTTPResponse::HTTP_OK, body);
}

namespace {

// Plugin ids loaded (a reload's new build replaces its id's current build, not adds a plugin).
std::size_t currentPluginCount(const plugins::PluginRegistry& registry) {
    std::size_t count = 0;
    for (const auto* plugin : registry.snapshot()) count += registry.isCurrent(*plugin) ? 1 : 0;
    return count;
}

// Why the host cannot do its work now; empty when it can.
Poco::JSON::Array::Ptr degradedReasons(ApiContext& context, Poco::JSON::Object& body) {
    Poco::JSON::Array::Ptr reasons = new Poco::JSON::Array;
    if (context.stepWorkerLoad) {
        const StepWorkerLoad load = context.stepWorkerLoad();
        Poco::JSON::Object workers(Poco::JSON_PRESERVE_KEY_ORDER);
        workers.set("busy", load.busy);
        workers.set("max", load.max);
        body.set("step_workers", workers);
        if (load.max > 0 && load.busy >= load.max) {
            reasons->add("every step worker is busy (" + std::to_string(load.busy) + " of " + std::to_string(load.max) +
                         "): steps are refused until a plugin call returns; calls that never return keep theirs");
        }
    }
    std::size_t left = 0;
    const std::string recovering = recoveringReason(context, left);
    if (left > 0) {
        body.set("recovering", left);
        reasons->add(recovering);
    }
    return reasons;
}

}  // namespace

void health(ApiContext& context, Poco::Net::HTTPServerResponse& response, bool withProblems) {
    // Counts, not names: enough for a monitor to notice a host that serves without its chains.
    const std::shared_ptr<const engine::ChainSet> set = context.chains.current();
    const std::size_t chains = set->versionCount();
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("status", "ok");
    body.set("chains", chains);
    body.set("plugins", currentPluginCount(context.plugins));
    const auto engineProblems =
        context.engineProblems ? context.engineProblems->descriptions() : std::vector<std::string>{};
    body.set("problems", context.plugins.refusalsSnapshot().size() + set->errors.size() + engineProblems.size());
    Poco::JSON::Array details;
    // The texts name chains, steps, plugins and orders: not for anyone who can reach the port.
    if (withProblems)
        for (const auto& problem : engineProblems) details.add(problem);
    body.set("engine_problems", details);
    const Poco::JSON::Array::Ptr reasons = degradedReasons(context, body);
    if (reasons->size() == 0) return sendJson(response, HTTPResponse::HTTP_OK, body);
    // 503 so that a load balancer's probe takes the host out of rotation while it cannot work.
    body.set("status", "degraded");
    body.set("reasons", reasons);
    sendJson(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, body, "application/json");
}

void headHealth(ApiContext& context, Poco::Net::HTTPServerResponse& response) {
    Poco::JSON::Object ignored;
    response.setStatusAndReason(degradedReasons(context, ignored)->size() == 0
                                    ? HTTPResponse::HTTP_OK
                                    : HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
    response.setContentLength(0);
    response.send();
}

}  // namespace orderhost::api
