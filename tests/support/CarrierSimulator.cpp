#include "CarrierSimulator.h"

#include <Poco/JSON/Array.h>

#include <stdexcept>

namespace orderhost::testing {

CarrierSimulator::CarrierSimulator()
    : SimulatorProcess(ORDERHOST_CARRIER_SIMULATOR, "carrier", "--callback-interval-ms 100 --callback-attempts 200") {}

int CarrierSimulator::count(const std::string& operation) const {
    Poco::JSON::Array::Ptr entries = getJson("/v1/ledger")->getArray("entries");
    int found = 0;
    for (unsigned i = 0; i < entries->size(); ++i)
        found += entries->getObject(i)->getValue<std::string>("operation") == operation;
    return found;
}

int CarrierSimulator::deliveries(const std::string& outcome, const std::string& event) const {
    Poco::JSON::Array::Ptr tries = getJson("/v1/ledger")->getArray("deliveries");
    int found = 0;
    for (unsigned i = 0; i < tries->size(); ++i) {
        Poco::JSON::Object::Ptr entry = tries->getObject(i);
        found += entry->getValue<std::string>("outcome") == outcome &&
                 (event.empty() || entry->getValue<std::string>("event") == event);
    }
    return found;
}

std::string CarrierSimulator::firstShipmentId() const {
    Poco::JSON::Array::Ptr entries = getJson("/v1/ledger")->getArray("entries");
    for (unsigned i = 0; i < entries->size(); ++i)
        if (entries->getObject(i)->getValue<std::string>("operation") == "booking")
            return entries->getObject(i)->getValue<std::string>("shipment_id");
    return "";
}

Poco::JSON::Object::Ptr CarrierSimulator::shipment(const std::string& id) const {
    return getJson("/v1/shipments/" + id);
}

void CarrierSimulator::advance(const std::string& id, const std::string& status, const std::string& detail) const {
    std::string body;
    const std::string json =
        "{\"status\":\"" + status + "\"" + (detail.empty() ? "" : ",\"detail\":\"" + detail + "\"") + "}";
    if (request("POST", "/admin/shipments/" + id + "/advance", json, body) != 200)
        throw std::runtime_error("the carrier refused to advance " + id + " to " + status + ": " + body);
}

}  // namespace orderhost::testing
