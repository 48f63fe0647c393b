#include "HttpCarrier.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>

#include <sstream>
#include <stdexcept>

namespace orderhost::shipping {
namespace {

using Poco::JSON::Object;

std::string text(const Object::Ptr& object, const std::string& key) {
    return object->has(key) && !object->isNull(key) ? object->getValue<std::string>(key) : std::string();
}

std::int64_t number(const Object::Ptr& object, const std::string& key) {
    return object->has(key) && !object->isNull(key) ? object->getValue<std::int64_t>(key) : 0;
}

CarrierReply unavailable(const std::string& code, const std::string& message) {
    CarrierReply reply;
    reply.kind = CarrierReply::Kind::unavailable;
    reply.errorCode = code;
    reply.message = message;
    return reply;
}

Shipment shipmentFrom(const Object::Ptr& object) {
    Shipment shipment;
    shipment.id = text(object, "id");
    shipment.trackingNumber = text(object, "tracking_number");
    shipment.status = text(object, "status");
    shipment.pickedUpAtMs = number(object, "picked_up_at_ms");
    shipment.deliveredAtMs = number(object, "delivered_at_ms");
    if (Poco::JSON::Array::Ptr events = object->getArray("events")) {
        for (unsigned i = 0; i < events->size(); ++i) {
            Object::Ptr event = events->getObject(i);
            if (event)
                shipment.events.push_back(
                    {number(event, "seq"), text(event, "status"), text(event, "detail"), number(event, "at_ms")});
        }
    }
    return shipment;
}

// Maps the carrier's answer: 2xx a shipment, 4xx a refusal with {"error": {code, message}},
// 5xx unavailable.
CarrierReply interpret(int status, const std::string& body) {
    if (status >= 500)
        return unavailable("carrier_http_" + std::to_string(status),
                           "the carrier answered HTTP " + std::to_string(status));
    Object::Ptr object;
    try {
        object = Poco::JSON::Parser().parse(body).extract<Object::Ptr>();
    } catch (const std::exception&) {
        return unavailable("carrier_bad_answer",
                           "the carrier answered HTTP " + std::to_string(status) + " without a JSON object");
    }
    CarrierReply reply;
    if (object->has("error") || status >= 400) {
        Object::Ptr error = object->getObject("error");
        reply.kind = CarrierReply::Kind::refused;
        reply.errorCode = error ? text(error, "code") : "carrier_http_" + std::to_string(status);
        reply.message = error ? text(error, "message") : std::string();
        return reply;
    }
    try {
        reply.shipment = shipmentFrom(object);
    } catch (const Poco::Exception& e) {
        return unavailable("carrier_bad_answer", "the carrier's shipment could not be read: " + e.displayText());
    }
    reply.kind = CarrierReply::Kind::done;
    return reply;
}

std::string stringify(const Object& object) {
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

}  // namespace

HttpCarrier::HttpCarrier(const std::string& baseUrl, std::int64_t timeoutMs) : timeoutMs_(timeoutMs) {
    try {
        base_ = Poco::URI(baseUrl);
    } catch (const Poco::Exception& e) {
        throw std::invalid_argument("is not a URL: " + e.displayText());
    }
    if (base_.getScheme() != "http" || base_.getHost().empty())
        throw std::invalid_argument("must be an http://host[:port] URL, got \"" + baseUrl + "\"");
}

HttpCarrier HttpCarrier::withTimeout(std::int64_t timeoutMs) const {
    HttpCarrier copy = *this;
    copy.timeoutMs_ = timeoutMs;
    return copy;
}

CarrierReply HttpCarrier::exchange(const std::string& method, const std::string& path, const std::string& body,
                                   const std::string& idempotencyKey) const {
    std::string prefix = base_.getPath();
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    try {
        Poco::Net::HTTPClientSession session(base_.getHost(), base_.getPort());
        session.setTimeout(Poco::Timespan(timeoutMs_ * 1000));
        Poco::Net::HTTPRequest request(method, prefix + path, Poco::Net::HTTPMessage::HTTP_1_1);
        if (!idempotencyKey.empty()) request.set("Idempotency-Key", idempotencyKey);
        if (method == "POST") {
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
        }
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        std::string answer;
        Poco::StreamCopier::copyToString(in, answer);
        return interpret(static_cast<int>(response.getStatus()), answer);
    } catch (const Poco::TimeoutException&) {
        return unavailable("carrier_timeout",
                           "no answer from the carrier within " + std::to_string(timeoutMs_) + " ms");
    } catch (const Poco::Net::NoMessageException&) {
        return unavailable("carrier_no_answer", "the carrier closed the connection without an answer");
    } catch (const Poco::Exception& e) {
        return unavailable("carrier_unreachable", "the carrier at " + base_.toString() + ": " + e.displayText());
    }
}

CarrierReply HttpCarrier::book(const BookingRequest& r) const {
    Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("service", r.service);
    body.set("reference", r.reference);
    Poco::JSON::Array::Ptr parcels = new Poco::JSON::Array();
    for (const Parcel& p : r.parcels) {
        Object::Ptr parcel = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        parcel->set("reference", p.reference);
        parcel->set("weight_g", p.weightG);
        parcel->set("length_mm", p.lengthMm);
        parcel->set("width_mm", p.widthMm);
        parcel->set("height_mm", p.heightMm);
        parcels->add(parcel);
    }
    body.set("parcels", parcels);
    try {
        body.set("destination", Poco::JSON::Parser().parse(r.destinationJson).extract<Object::Ptr>());
    } catch (const std::exception&) {
        throw std::invalid_argument("the destination is not a JSON object: " + r.destinationJson);
    }
    if (!r.callbackBase.empty()) {
        Object::Ptr callback = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        std::string base = r.callbackBase;
        while (!base.empty() && base.back() == '/') base.pop_back();
        // if_not_waiting=acknowledge: a carrier retries anything but a 2xx, and its events after
        // the order finished (in transit, delivered) would otherwise be refused with 409 and
        // retried for nothing (docs/api.md, signals).
        callback->set("url", base + "/v1/orders/" + r.orderId + "/signals/" + r.signal + "?if_not_waiting=acknowledge");
        callback->set("order_id", r.orderId);
        callback->set("signal", r.signal);
        body.set("callback", callback);
    }
    return exchange("POST", "/v1/shipments", stringify(body), r.idempotencyKey);
}

CarrierReply HttpCarrier::cancel(const std::string& shipmentId, const std::string& idempotencyKey) const {
    return exchange("POST", "/v1/shipments/" + shipmentId + "/cancel", "{}", idempotencyKey);
}

CarrierReply HttpCarrier::lookup(const std::string& shipmentId) const {
    return exchange("GET", "/v1/shipments/" + shipmentId, std::string(), std::string());
}

}  // namespace orderhost::shipping
