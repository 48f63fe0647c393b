#include "GatewaySimulator.h"

#include <Poco/JSON/Array.h>

namespace orderhost::testing {

GatewaySimulator::GatewaySimulator() : SimulatorProcess(ORDERHOST_PAYMENT_SIMULATOR, "payment_gateway") {}

int GatewaySimulator::count(const std::string& operation) const {
    Poco::JSON::Array::Ptr entries = getJson("/v1/ledger")->getArray("entries");
    int found = 0;
    for (unsigned i = 0; i < entries->size(); ++i) {
        Poco::JSON::Object::Ptr entry = entries->getObject(i);
        const std::string status = entry->getValue<std::string>("status");
        if (entry->getValue<std::string>("operation") == operation && status != "declined") ++found;
    }
    return found;
}

std::int64_t GatewaySimulator::netCaptured() const {
    return getJson("/v1/ledger")->getValue<std::int64_t>("net_captured_minor");
}

int GatewaySimulator::openAuthorizations() const {
    return static_cast<int>(getJson("/v1/ledger")->getArray("open_authorizations")->size());
}

std::string GatewaySimulator::keyOf(const std::string& operation) const {
    Poco::JSON::Array::Ptr entries = getJson("/v1/ledger")->getArray("entries");
    for (unsigned i = 0; i < entries->size(); ++i)
        if (entries->getObject(i)->getValue<std::string>("operation") == operation)
            return entries->getObject(i)->getValue<std::string>("idempotency_key");
    return "";
}

}  // namespace orderhost::testing
