// orderhost.publication — publishes the order to the systems that subscribe to it.
//
// Step kind `publish-order`: for every configured view (PublicationViews.h) one event whose
// payload carries the fields that system needs (inventory: lines and warehouse; billing:
// customer, totals, invoice; supply chain: ...), added to the host's outbox through
// orderhost.events/1 (ABI 1.1) in the step's own transaction. So the events exist exactly when
// the step's result was kept, and leave the host only after the commit: delivery (events feed,
// webhooks, later AMQP) belongs to the host's relay, not to this plugin. Writes
// /publication = {"published": [event types], "at": ms}. A run that finds /publication
// already published (and not withdrawn) publishes nothing again.
//
// compensate(): publishes one `withdrawn_event` (default sales_order.withdrawn) with
// {"order_ref", "withdrawn": [event types]} and marks /publication/withdrawn, which makes a
// repeated undo a no-op. Outcomes: CONTINUE; FAIL publication_field_missing when a required
// field is absent. Needs a 1.1 host (the constructor refuses a host without the extension).
#include "PublicationViews.h"

#include <orderhost/ext/events.h>
#include <orderhost/sdk.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sdk = orderhost::sdk;
using orderhost::publication::ViewSpec;

namespace {

constexpr char kSchema[] = R"({
  "type": "object", "required": ["views"],
  "properties": {
    "views": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["event", "fields"],
      "properties": {"event": {"type": "string"}, "fields": {"type": "object"}}}},
    "withdrawn_event": {"type": "string", "default": "sales_order.withdrawn"}
  }
})";

std::string stringify(const Poco::Dynamic::Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out);
    return out.str();
}

class PublishOrderStep : public sdk::Step {
public:
    explicit PublishOrderStep(sdk::CreateContext& ctx) {
        if (ctx.services().get_extension(OH_EXT_EVENTS) == nullptr)
            throw sdk::ConfigError("views",
                                   "cannot be published: the host does not offer " OH_EXT_EVENTS " (an ABI 1.0 host)");
        try {
            views_ = orderhost::publication::parseViews(std::string(ctx.configJson()));
        } catch (const std::invalid_argument& e) {
            const std::string what = e.what();
            throw sdk::ConfigError(what.substr(0, what.find(':')), what.substr(what.find(':') + 2));
        }
        withdrawnEvent_ = ctx.config().optionalString("/withdrawn_event").value_or("sales_order.withdrawn");
        if (!orderhost::publication::isPluginEventType(withdrawnEvent_))
            throw sdk::ConfigError("withdrawn_event",
                                   "must be an event type such as sales_order.withdrawn (not order.* or step.*)");
    }

    sdk::Outcome run(sdk::StepCall& call) override {
        const sdk::OrderDocument order = call.order();
        if (order.has("/publication/published") && !order.optionalBoolean("/publication/withdrawn").value_or(false)) {
            call.log().info("the order was published before: nothing published again");
            return sdk::Outcome::proceed();
        }
        const Poco::JSON::Object::Ptr document =
            Poco::JSON::Parser().parse(order.json("")).extract<Poco::JSON::Object::Ptr>();
        std::vector<std::string> payloads;
        for (const ViewSpec& view : views_) {
            try {
                payloads.push_back(stringify(orderhost::publication::buildPayload(view, document)));
            } catch (const std::runtime_error& e) {
                return sdk::Outcome::fail("publication_field_missing", "view " + view.event + ": " + e.what());
            }
        }
        // Built first, emitted after: a missing field publishes none of the views.
        std::string published = "[";
        for (std::size_t i = 0; i < views_.size(); ++i) {
            call.events().emit(views_[i].event, payloads[i]);
            published.append(i == 0 ? "" : ",").append(sdk::jsonQuote(views_[i].event));
        }
        published.push_back(']');
        order.setJson("/publication", sdk::JsonObject().addJson("published", published).add("at", call.nowMs()).str());
        return sdk::Outcome::proceed();
    }

    sdk::Outcome compensate(sdk::StepCall& call) override {
        const sdk::OrderDocument order = call.order();
        if (!order.has("/publication/published") || order.optionalBoolean("/publication/withdrawn").value_or(false))
            return sdk::Outcome::proceed();  // nothing published, or withdrawn already
        const std::string withdrawn = order.json("/publication/published");
        sdk::JsonObject payload;
        if (const std::optional<std::string> ref = order.optionalString("/order_ref")) payload.add("order_ref", *ref);
        call.events().emit(withdrawnEvent_, payload.addJson("withdrawn", withdrawn).str());
        order.set("/publication/withdrawn", true);
        order.set("/publication/withdrawn_at", call.nowMs());
        return sdk::Outcome::proceed();
    }

private:
    std::vector<ViewSpec> views_;
    std::string withdrawnEvent_;
};

}  // namespace

ORDERHOST_PLUGIN("orderhost.publication", "1.0.0", "orderhost",
                 "Publishes the order to subscribing systems as events through the host's outbox",
                 ORDERHOST_STEP(PublishOrderStep, "publish-order", OH_CATEGORY_PUBLICATION,
                                "One event per subscribing system's view of the order, in the step's transaction",
                                kSchema, OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS));
