#include "ShippingQuote.h"

#include "ShipmentTracking.h"

namespace orderhost::shipping {

sdk::Outcome noShippingRate(const RateRequest& request) {
    return sdk::Outcome::reject("no_shipping_rate", "no rate of zone \"" + request.zone + "\" takes " +
                                                        std::to_string(request.parcels.size()) + " parcel(s) of " +
                                                        std::to_string(request.totalWeightG) + " g");
}

void writeShippingQuote(sdk::OrderDocument& order, const RateTable& rates, const RateRequest& request,
                        const RateChoice& chosen, const std::string& currency) {
    std::string options = "[";
    for (const RateChoice& option :
         rates.candidates(request.zone, request.weightsG, request.promisedDay - request.today))
        options.append(options.size() > 1 ? "," : "")
            .append(sdk::JsonObject()
                        .add("carrier", option.rate.carrier)
                        .add("service", option.rate.service)
                        .add("cost_minor", option.costMinor)
                        .add("currency", currency)
                        .add("transit_days", option.rate.transitDays)
                        .add("delivery_date", isoDateOfDay(request.today + option.rate.transitDays))
                        .add("meets_promise", option.meetsPromise)
                        .add("chosen", option.position == chosen.position)
                        .str());
    order.setJson("/shipping", sdk::JsonObject()
                                   .add("status", "quoted")
                                   .add("carrier", chosen.rate.carrier)
                                   .add("service", chosen.rate.service)
                                   .add("cost_minor", chosen.costMinor)
                                   .add("currency", currency)
                                   .add("promised_date", isoDateOfDay(request.promisedDay))
                                   .add("transit_days", chosen.rate.transitDays)
                                   .add("late", !chosen.meetsPromise)
                                   .add("parcel_count", static_cast<std::int64_t>(request.parcels.size()))
                                   .add("weight_g", request.totalWeightG)
                                   .addJson("options", options + "]")
                                   .str());
}

std::optional<RateChoice> quotedChoice(const sdk::OrderDocument& order, const RateTable& rates,
                                       const RateRequest& request, const std::string& currency) {
    const std::optional<std::string> carrier = order.optionalString("/quote/order/shipping/carrier");
    const std::optional<std::string> service = order.optionalString("/quote/order/shipping/service");
    const std::optional<std::int64_t> cost = order.optionalInteger("/quote/order/shipping/cost_minor");
    const std::optional<std::int64_t> days = order.optionalInteger("/quote/order/shipping/transit_days");
    if (!carrier || !service || !cost || *cost < 0) return std::nullopt;
    if (order.optionalString("/quote/order/shipping/currency").value_or(currency) != currency) return std::nullopt;
    for (RateChoice option : rates.candidates(request.zone, request.weightsG, request.promisedDay - request.today)) {
        if (option.rate.carrier != *carrier || option.rate.service != *service) continue;
        if (days && option.rate.transitDays != *days) continue;  // another rate of the same service
        option.costMinor = *cost;  // what the customer was quoted, whatever the table says now
        return option;
    }
    return std::nullopt;
}

}  // namespace orderhost::shipping
