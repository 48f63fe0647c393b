// Reading what a request carries: its body, URI and query, its Prefer header; a problem with
// any of them ends the request with a RequestRefused.
#include "host/api/RequestReading.h"

#include "host/api/ChunkedBody.h"
#include "host/api/ClientSocket.h"
#include "host/api/ClientText.h"

#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/HTTPStream.h>
#include <Poco/Net/MediaType.h>
#include <Poco/String.h>

#include <cctype>
#include <limits>
#include <regex>

namespace orderhost::api {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;

std::string preferences(const Poco::Net::HTTPServerRequest& request) {
    std::string all;
    for (auto it = request.find("Prefer"); it != request.end() && Poco::icompare(it->first, "Prefer") == 0; ++it)
        all += (all.empty() ? "" : ",") + it->second;
    return all;
}

namespace {

bool readTimedOut(HTTPServerRequest& request) {
    auto* served = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
    const Poco::Exception* error = served != nullptr ? served->session().networkException() : nullptr;
    return dynamic_cast<const Poco::TimeoutException*>(error) != nullptr;
}

}  // namespace

std::string readJsonBody(const ApiSettings& settings, HTTPServerRequest& request) {
    const std::string type = request.getContentType();
    if (type.empty() || !Poco::Net::MediaType(type).matches("application", "json")) {
        throw RequestRefused{HTTPResponse::HTTP_UNSUPPORTED_MEDIA_TYPE,
                             "Content-Type must be application/json (got '" + clientText(type, 100) + "')"};
    }
    const std::string tooLarge = "the body exceeds " + std::to_string(settings.maxBodyBytes) + " bytes";
    if (request.hasContentLength() && request.getContentLength64() > static_cast<Poco::Int64>(settings.maxBodyBytes)) {
        // Reading a moderately oversized body lets the client see the 413 instead of a reset.
        if (request.getContentLength64() <= static_cast<Poco::Int64>(8 * settings.maxBodyBytes)) {
            request.stream().ignore(std::numeric_limits<std::streamsize>::max());
        }
        throw RequestRefused{HTTPResponse::HTTP_REQUESTENTITYTOOLARGE, tooLarge};
    }
    std::string body;
    std::string framingError;
    auto* served = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
    if (request.getChunkedTransferEncoding() && served != nullptr) {
        // Decoded here, not by Poco's lax chunked stream (ChunkedBody.h); the connection closes after.
        Poco::Net::HTTPInputStream raw(served->session());
        ChunkedBody chunked = readChunkedBody(raw, settings.maxBodyBytes);
        if (chunked.tooLarge) throw RequestRefused{HTTPResponse::HTTP_REQUESTENTITYTOOLARGE, tooLarge};
        body = std::move(chunked.body);
        framingError = std::move(chunked.error);
    } else {
        char buffer[16384];
        std::istream& in = request.stream();
        while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
            body.append(buffer, static_cast<std::size_t>(in.gcount()));
            if (body.size() > settings.maxBodyBytes)
                throw RequestRefused{HTTPResponse::HTTP_REQUESTENTITYTOOLARGE, tooLarge};
        }
        if (request.stream().bad()) framingError = "the request body ended before it was complete";
    }
    // A stream that failed (deadline, reset, bad chunk) or ended early must not pass for a
    // shorter body: a truncated order could still be well-formed JSON.
    const ClientSocketImpl* client = clientSocketOf(request);
    if (client != nullptr && client->deadlinePassed()) {
        throw RequestRefused{HTTPResponse::HTTP_REQUEST_TIMEOUT,
                             "the request body did not arrive within the request deadline (http.request_timeout_ms)"};
    }
    // The host is stopping and shut the connection for reading (HttpServer::stop): the body was
    // cut by the host, not the client — a 400 would tell the ERP its order is bad.
    if (client != nullptr && client->shutForStopping() &&
        (!request.hasContentLength() || static_cast<Poco::Int64>(body.size()) != request.getContentLength64())) {
        throw RequestRefused{HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                             "the host is stopping: send the request again (nothing of it was kept)"};
    }
    if (readTimedOut(request)) {
        throw RequestRefused{HTTPResponse::HTTP_REQUEST_TIMEOUT,
                             "the client stopped sending the request body (http.read_timeout_s)"};
    }
    if (!framingError.empty() ||
        (request.hasContentLength() && static_cast<Poco::Int64>(body.size()) != request.getContentLength64())) {
        throw RequestRefused{HTTPResponse::HTTP_BAD_REQUEST,
                             (framingError.empty() ? "the request body ended before it was complete" : framingError) +
                                 " (" + std::to_string(body.size()) + " bytes read)"};
    }
    return body;
}

Poco::URI parseUri(const HTTPServerRequest& request) {
    // The host routes on the decoded path, a proxy in front on the path as sent: an encoded '/'
    // would be a separator the proxy never saw ("/v1/orders%2F<id>%2Fcancel" cancelled the
    // order), an encoded letter a word it never matched ("…/%63ancel"). Both are refused; other
    // escapes (a space, non-ASCII) are left to the routes.
    const std::string& target = request.getURI();
    const std::string rawPath = target.substr(0, target.find('?'));
    for (std::size_t at = rawPath.find('%'); at != std::string::npos && at + 2 < rawPath.size();
         at = rawPath.find('%', at + 1)) {
        if (!std::isxdigit(static_cast<unsigned char>(rawPath[at + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(rawPath[at + 2])))
            continue;
        const auto decoded = static_cast<char>(std::stoi(rawPath.substr(at + 1, 2), nullptr, 16));
        if (decoded == '/')
            throw RequestRefused{HTTPResponse::HTTP_BAD_REQUEST,
                                 "the path holds an encoded '/' (%2F); no resource has one in its name"};
        if (std::isalnum(static_cast<unsigned char>(decoded)) || decoded == '-' || decoded == '.' || decoded == '_' ||
            decoded == '~')
            throw RequestRefused{HTTPResponse::HTTP_BAD_REQUEST, "the path encodes '" + std::string(1, decoded) +
                                                                     "' as " + rawPath.substr(at, 3) +
                                                                     "; send it as it is"};
    }
    try {
        return Poco::URI(request.getURI());
    } catch (const Poco::SyntaxException&) {
        throw RequestRefused{HTTPResponse::HTTP_BAD_REQUEST, "malformed request URI"};
    }
}

Poco::URI::QueryParameters queryParameters(const Poco::URI& uri) {
    try {
        return uri.getQueryParameters();  // decodes lazily: may find bad escapes only now
    } catch (const Poco::SyntaxException&) {
        throw RequestRefused{HTTPResponse::HTTP_BAD_REQUEST, "malformed query string"};
    }
}

bool looksLikeOrderId(const std::string& id) {
    static const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    return std::regex_match(id, uuid);
}

bool looksLikeOrderRef(const std::string& orderRef) {
    static const std::regex pattern("[A-Za-z0-9._:-]{1,64}");
    return std::regex_match(orderRef, pattern);
}

bool acknowledgesFinished(const Poco::URI::QueryParameters& parameters) {
    bool acknowledge = false, seen = false;
    for (const auto& [name, value] : parameters) {
        if (name != "if_not_waiting") continue;
        if (seen)
            throw RequestRefused{HTTPResponse::HTTP_BAD_REQUEST,
                                 "query parameter if_not_waiting is given more than once"};
        seen = true;
        if (value != "acknowledge" && value != "conflict")
            throw RequestRefused{HTTPResponse::HTTP_BAD_REQUEST,
                                 "query parameter if_not_waiting must be 'conflict' or 'acknowledge', not '" +
                                     clientText(value, 40) + "'"};
        acknowledge = value == "acknowledge";
    }
    return acknowledge;
}

}  // namespace orderhost::api
