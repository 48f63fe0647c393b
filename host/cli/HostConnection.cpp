#include "host/cli/HostConnection.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <Poco/UUIDGenerator.h>
#include <Poco/Util/Application.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

namespace orderhost::cli {
namespace {
using Poco::Util::Application;

// A cancel runs compensation and the cancel chain before the host replies: give it time.
constexpr int kReplyTimeoutSeconds = 120;
constexpr int kConnectTimeoutSeconds = 5;
// Attempts of one POST when the connection breaks (same Idempotency-Key each time).
constexpr int kPostAttempts = 3;

// Refused connections, unknown names, timeouts: the host is not (or no longer) there.
bool isConnectionProblem(const Poco::Exception& e) {
    return dynamic_cast<const Poco::Net::NetException*>(&e) != nullptr ||
           dynamic_cast<const Poco::TimeoutException*>(&e) != nullptr ||
           dynamic_cast<const Poco::IOException*>(&e) != nullptr;
}

// No connection was made, so the request cannot have reached the host.
bool neverConnected(const Poco::Exception& e) {
    return dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e) != nullptr ||
           dynamic_cast<const Poco::Net::DNSException*>(&e) != nullptr;
}

}  // namespace

Poco::JSON::Object::Ptr HostReply::json() const {
    try {
        Poco::JSON::Parser parser;
        return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
        throw BadReply("the host's reply (HTTP " + std::to_string(status) +
                       ") is not a JSON object: " + e.displayText());
    }
}

HostConnection::HostConnection(HostTarget target) : target_(std::move(target)) {
    Poco::URI uri;
    try {
        uri = Poco::URI(target_.url);
    } catch (const Poco::Exception& e) {
        throw UsageError("--url '" + target_.url + "' is not a URL: " + e.displayText());
    }
    if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty() || !uri.getQuery().empty()) {
        throw UsageError("--url '" + target_.url + "' must be http://HOST[:PORT][/PATH] or https://…");
    }
    if (uri.getScheme() == "https") {
        Poco::Net::initializeSSL();  // reference counted; undone in the destructor
        try {
            // The host's chain must verify and its certificate must name the host in the URL.
            // VERIFY_STRICT, not RELAXED: under RELAXED Poco skips the name check for 127.0.0.1
            // and localhost, where the CLI is used most (TlsListenerTest has a certificate of
            // the right CA naming another host).
            tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, target_.key, target_.certificate,
                                          target_.caFile, Poco::Net::Context::VERIFY_STRICT, 9, target_.caFile.empty());
        } catch (const Poco::Exception& e) {
            Poco::Net::uninitializeSSL();
            throw UsageError("cannot use the TLS files (--cacert, --cert, --key): " + e.displayText());
        }
    }
    host_ = uri.getHost();
    port_ = uri.getPort();
    prefix_ = uri.getPath();
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
}

HostConnection::~HostConnection() {
    if (tls_) {
        tls_.reset();
        Poco::Net::uninitializeSSL();
    }
}

HostReply HostConnection::get(const std::string& pathAndQuery) const { return send("GET", pathAndQuery, "", ""); }

HostReply HostConnection::post(const std::string& path, const std::string& jsonBody) const {
    const std::string key = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
    for (int attempt = 1;; ++attempt) {
        try {
            return send("POST", path, jsonBody, key);
        } catch (const HostUnreachable& e) {
            if (!e.requestMayHaveArrived || attempt >= kPostAttempts) throw;
            std::cerr << "orderhost: " << e.what() << "; sending the request again (Idempotency-Key " << key << ")\n";
            std::this_thread::sleep_for(std::chrono::seconds(attempt));
        }
    }
}

HostReply HostConnection::send(const std::string& method, const std::string& path, const std::string& body,
                               const std::string& idempotencyKey) const {
    const auto client = tls_ ? std::make_unique<Poco::Net::HTTPSClientSession>(host_, port_, tls_)
                             : std::make_unique<Poco::Net::HTTPClientSession>(host_, port_);
    Poco::Net::HTTPClientSession& session = *client;
    session.setTimeout(Poco::Timespan(kConnectTimeoutSeconds, 0), Poco::Timespan(kReplyTimeoutSeconds, 0),
                       Poco::Timespan(kReplyTimeoutSeconds, 0));
    try {
        Poco::Net::HTTPRequest request(method, prefix_ + path, Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("User-Agent", "orderhost-cli/1");
        request.set("Accept", "application/json, application/problem+json");
        if (!target_.token.empty()) request.set("Authorization", "Bearer " + target_.token);
        if (!idempotencyKey.empty()) request.set("Idempotency-Key", idempotencyKey);
        if (method == "POST") {
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
        }
        std::ostream& out = session.sendRequest(request);
        out << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        HostReply reply;
        reply.status = static_cast<int>(response.getStatus());
        reply.reason = response.getReason();
        reply.contentType = response.getContentType();
        Poco::StreamCopier::copyToString(in, reply.body);
        return reply;
    } catch (const Poco::Exception& e) {
        if (!isConnectionProblem(e)) throw;
        throw HostUnreachable("cannot reach the host at " + target_.url + ": " + e.displayText(), !neverConnected(e));
    }
}

int exitCodeFor(const HostReply& reply) {
    if (reply.ok()) return Application::EXIT_OK;
    if (reply.status == 401 || reply.status == 403) return Application::EXIT_NOPERM;
    if (reply.status == 503 || reply.status == 429 || reply.status == 408) return Application::EXIT_TEMPFAIL;
    if (reply.status >= 400 && reply.status < 500) return Application::EXIT_DATAERR;
    return Application::EXIT_PROTOCOL;
}

int reportProblem(const HostReply& reply) {
    std::string title = reply.reason;
    std::string detail = "HTTP " + std::to_string(reply.status);
    try {
        Poco::JSON::Parser parser;
        const auto problem = parser.parse(reply.body).extract<Poco::JSON::Object::Ptr>();
        title = problem->optValue<std::string>("title", title);
        detail = problem->optValue<std::string>("detail", detail);
        if (const auto errors = problem->getArray("errors")) {
            for (std::size_t i = 0; i < errors->size(); ++i) {
                const auto error = errors->getObject(static_cast<unsigned>(i));
                if (error)
                    detail += "\n  " + error->optValue<std::string>("field", "") + ": " +
                              error->optValue<std::string>("message", "");
            }
        }
    } catch (const Poco::Exception&) {
        // Not problem+json (a proxy's error page): the status line says enough.
    }
    std::cerr << "orderhost: " << title << ": " << detail << "\n";
    if (reply.status == 401)
        std::cerr << "orderhost: pass an API key (orderhost keys create) or the host's api.token with --token, "
                     "ORDERHOST_API_TOKEN or --config\n";
    return exitCodeFor(reply);
}

std::string encodeComponent(const std::string& text) {
    std::string encoded;
    Poco::URI::encode(text, "!#$&'()*+,/:;=?@[]% ", encoded);
    return encoded;
}

}  // namespace orderhost::cli
