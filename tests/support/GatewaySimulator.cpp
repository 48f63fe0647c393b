#include "GatewaySimulator.h"

#include "TestDatabase.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/StreamCopier.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace orderhost::testing {

GatewaySimulator::GatewaySimulator() : folder_(makeTempDir("orderhost-gateway")) {
    Poco::Pipe out;
    // exec: the handle is the Python process itself, so the destructor's signal reaches it.
    const std::string command = "exec python3 '" ORDERHOST_PAYMENT_SIMULATOR "' --port 0 --db '" + folder_ +
                                "/ledger.db' 2>>'" + folder_ + "/gateway.log'";
    process_ = std::make_unique<Poco::ProcessHandle>(
        Poco::Process::launch("/bin/sh", {"-c", command}, nullptr, &out, nullptr));
    Poco::PipeInputStream in(out);
    std::string line;
    std::getline(in, line);  // "payment_gateway listening on 127.0.0.1:PORT"
    const auto colon = line.rfind(':');
    if (line.find("listening") == std::string::npos || colon == std::string::npos)
        throw std::runtime_error("the payment gateway simulator did not start: \"" + line + "\"\n" + log());
    port_ = static_cast<unsigned short>(std::stoi(line.substr(colon + 1)));
}

GatewaySimulator::~GatewaySimulator() {
    if (process_) {
        ::kill(process_->id(), SIGTERM);
        process_->wait();
    }
    std::filesystem::remove_all(folder_);
}

int GatewaySimulator::request(const std::string& method, const std::string& path, const std::string& json,
                              std::string& body) const {
    Poco::Net::HTTPClientSession session("127.0.0.1", port_);
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(json.size()));
    session.sendRequest(request) << json;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    body.clear();
    Poco::StreamCopier::copyToString(in, body);
    return static_cast<int>(response.getStatus());
}

void GatewaySimulator::setFaults(const std::string& json) const {
    std::string body;
    if (request("POST", "/admin/faults", json, body) != 200)
        throw std::runtime_error("the simulator refused the faults " + json + ": " + body);
}

Poco::JSON::Object::Ptr GatewaySimulator::getJson(const std::string& path) const {
    std::string body;
    request("GET", path, "", body);
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

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

int GatewaySimulator::uses(const std::string& idempotencyKey) const {
    std::string body;
    if (request("GET", "/v1/idempotency/" + idempotencyKey, "", body) != 200) return 0;
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>()->getValue<int>("uses");
}

std::string GatewaySimulator::keyOf(const std::string& operation) const {
    Poco::JSON::Array::Ptr entries = getJson("/v1/ledger")->getArray("entries");
    for (unsigned i = 0; i < entries->size(); ++i)
        if (entries->getObject(i)->getValue<std::string>("operation") == operation)
            return entries->getObject(i)->getValue<std::string>("idempotency_key");
    return "";
}

std::string GatewaySimulator::log() const {
    std::ifstream in(folder_ + "/gateway.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace orderhost::testing
