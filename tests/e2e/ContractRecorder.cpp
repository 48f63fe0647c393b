#include "ContractRecorder.h"

#include <Poco/JSON/Object.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace orderhost::testing {
namespace fs = std::filesystem;

ContractRecorder::ContractRecorder(fs::path file, std::map<std::string, std::string> headers)
    : file_(std::move(file)), headers_(std::move(headers)) {
    std::ofstream truncate(file_);
}

HttpReply ContractRecorder::send(const HostProcess& host, const std::string& method, const std::string& target,
                                 const std::string& body, const std::string& contentType,
                                 const std::map<std::string, std::string>& headers) {
    std::map<std::string, std::string> all = headers;
    all.insert(headers_.begin(), headers_.end());
    HttpReply reply = host.request(method, target, body, contentType, all);
    record(method, target, reply);
    return reply;
}

void ContractRecorder::record(const std::string& method, const std::string& target, const HttpReply& reply) {
    Poco::JSON::Object line(Poco::JSON_PRESERVE_KEY_ORDER);
    line.set("method", method);
    line.set("target", target);
    line.set("status", reply.status);
    const auto type = reply.headers.find("Content-Type");
    line.set("content_type", type == reply.headers.end() ? std::string() : type->second);
    Poco::JSON::Object headers;
    for (const auto& [name, value] : reply.headers) headers.set(name, value);
    line.set("headers", headers);
    line.set("body", reply.body);
    std::ostringstream text;
    line.stringify(text);
    std::lock_guard<std::mutex> lock(mutex_);
    std::ofstream(file_, std::ios::app) << text.str() << '\n';
}

ContractVerdict ContractRecorder::validate(bool expectCoverage) const {
    const fs::path tools = fs::path(ORDERHOST_SOURCE_DIR) / "tests" / "tools";
    if (!fs::exists(tools / "node_modules" / "ajv")) {
        return {false, "the response validator's libraries are not installed in " + tools.string() +
                           "/node_modules: run scripts/install-test-tools.sh"};
    }
    const fs::path output = fs::path(file_).replace_extension(".report");
    const std::string command = "node '" + (tools / "validate-responses.mjs").string() + "' '" +
                                (fs::path(ORDERHOST_SOURCE_DIR) / "docs" / "openapi.yaml").string() + "' '" +
                                file_.string() + "'" + (expectCoverage ? " --expect-coverage" : "") + " >'" +
                                output.string() + "' 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(output);
    std::stringstream report;
    report << in.rdbuf();
    return {status == 0, report.str()};
}

}  // namespace orderhost::testing
