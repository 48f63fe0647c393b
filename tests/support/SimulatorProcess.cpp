#include "SimulatorProcess.h"

#include "TestDatabase.h"

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

SimulatorProcess::SimulatorProcess(const std::string& script, const std::string& name, const std::string& extraArgs)
    : name_(name), folder_(makeTempDir("orderhost-" + name)) {
    Poco::Pipe out;
    // exec: the handle is the Python process itself, so the destructor's signal reaches it.
    const std::string command = "exec python3 '" + script + "' --port 0 --db '" + folder_ + "/ledger.db' " + extraArgs +
                                " 2>>'" + folder_ + "/" + name + ".log'";
    process_ = std::make_unique<Poco::ProcessHandle>(
        Poco::Process::launch("/bin/sh", {"-c", command}, nullptr, &out, nullptr));
    Poco::PipeInputStream in(out);
    std::string line;
    std::getline(in, line);  // "<name> listening on 127.0.0.1:PORT"
    const auto colon = line.rfind(':');
    if (line.find("listening") == std::string::npos || colon == std::string::npos)
        throw std::runtime_error("the " + name + " simulator did not start: \"" + line + "\"\n" + log());
    port_ = static_cast<unsigned short>(std::stoi(line.substr(colon + 1)));
}

SimulatorProcess::~SimulatorProcess() {
    if (process_) {
        ::kill(process_->id(), SIGTERM);
        process_->wait();
    }
    std::filesystem::remove_all(folder_);
}

int SimulatorProcess::request(const std::string& method, const std::string& path, const std::string& json,
                              std::string& body, const std::string& headers) const {
    Poco::Net::HTTPClientSession session("127.0.0.1", port_);
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    std::istringstream lines(headers);
    for (std::string header; std::getline(lines, header);) {
        const auto colon = header.find(':');
        if (colon != std::string::npos)
            request.set(header.substr(0, colon), header.substr(header.find_first_not_of(' ', colon + 1)));
    }
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(json.size()));
    session.sendRequest(request) << json;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    body.clear();
    Poco::StreamCopier::copyToString(in, body);
    return static_cast<int>(response.getStatus());
}

Poco::JSON::Object::Ptr SimulatorProcess::getJson(const std::string& path) const {
    std::string body;
    const int status = request("GET", path, "", body);
    if (status != 200)
        throw std::runtime_error("the " + name_ + " simulator answered GET " + path + " with " +
                                 std::to_string(status) + ": " + body);
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

void SimulatorProcess::setFaults(const std::string& json) const {
    std::string body;
    if (request("POST", "/admin/faults", json, body) != 200)
        throw std::runtime_error("the " + name_ + " simulator refused the faults " + json + ": " + body);
}

int SimulatorProcess::uses(const std::string& idempotencyKey) const {
    std::string body;
    if (request("GET", "/v1/idempotency/" + idempotencyKey, "", body) != 200) return 0;
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>()->getValue<int>("uses");
}

std::string SimulatorProcess::log() const {
    std::ifstream in(folder_ + "/" + name_ + ".log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace orderhost::testing
