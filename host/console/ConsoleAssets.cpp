#include "host/console/ConsoleAssets.h"

#include <Poco/Net/HTTPRequest.h>

#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string_view>

namespace orderhost::console {

// Generated from assets/ (CMakeLists.txt).
extern const EmbeddedAsset kEmbeddedAssets[];
extern const std::size_t kEmbeddedAssetCount;

namespace {
using Poco::Net::HTTPRequest;
using Poco::Net::HTTPResponse;

const std::string kPrefix = "/console/";

const EmbeddedAsset* findAsset(std::string_view name) {
    for (std::size_t i = 0; i < kEmbeddedAssetCount; ++i) {
        if (name == kEmbeddedAssets[i].name) return &kEmbeddedAssets[i];
    }
    return nullptr;
}

std::string contentTypeOf(std::string_view name) {
    const auto dot = name.rfind('.');
    const std::string_view extension = dot == std::string_view::npos ? "" : name.substr(dot + 1);
    if (extension == "html") return "text/html; charset=utf-8";
    if (extension == "js") return "text/javascript; charset=utf-8";
    if (extension == "css") return "text/css; charset=utf-8";
    if (extension == "svg") return "image/svg+xml";
    return "application/octet-stream";
}

// FNV-1a over the bytes: the same file gives the same ETag in every build and on every host
// behind one load balancer; a changed file a new one.
std::string entityTag(const EmbeddedAsset& asset) {
    std::uint64_t hash = 14695981039346656037ull;
    for (std::size_t i = 0; i < asset.size; ++i) {
        hash ^= static_cast<unsigned char>(asset.bytes[i]);
        hash *= 1099511628211ull;
    }
    char text[24];
    std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
    return text;
}

void setSecurityHeaders(HTTPResponse& response) {
    response.set("Content-Security-Policy", kContentSecurityPolicy);
    response.set("X-Content-Type-Options", "nosniff");
    response.set("X-Frame-Options", "DENY");
    response.set("Referrer-Policy", "no-referrer");
    response.set("Cross-Origin-Opener-Policy", "same-origin");
}

void sendText(HTTPResponse::HTTPStatus status, const std::string& text, Poco::Net::HTTPServerResponse& response) {
    response.setStatusAndReason(status);
    response.setContentType("text/plain; charset=utf-8");
    response.set("Cache-Control", "no-store");
    response.setContentLength(static_cast<std::streamsize>(text.size()));
    response.send() << text;
}

}  // namespace

bool isConsolePath(const std::string& path) {
    return path == "/console" || path.compare(0, kPrefix.size(), kPrefix) == 0;
}

void serveConsole(const Poco::Net::HTTPServerRequest& request, const std::string& path,
                  Poco::Net::HTTPServerResponse& response) {
    setSecurityHeaders(response);
    const std::string& method = request.getMethod();
    const bool head = method == HTTPRequest::HTTP_HEAD;
    if (!head && method != HTTPRequest::HTTP_GET) {
        response.set("Allow", "GET, HEAD");
        return sendText(HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "method not allowed here; allowed: GET, HEAD\n",
                        response);
    }
    if (path == "/console") {
        response.set("Location", kPrefix);
        return sendText(HTTPResponse::HTTP_MOVED_PERMANENTLY, "the console is at " + kPrefix + "\n", response);
    }
    const std::string name = path == kPrefix ? "index.html" : path.substr(kPrefix.size());
    const EmbeddedAsset* asset = findAsset(name);
    if (asset == nullptr) {
        // The path is not echoed: this reply is text/plain, but a name is no use to anyone.
        return sendText(HTTPResponse::HTTP_NOT_FOUND, "no such file in the console\n", response);
    }
    const std::string tag = entityTag(*asset);
    response.set("ETag", tag);
    // no-cache: keep it, but ask each time (a 304 costs a few bytes), so an upgraded host
    // never runs beside an old console.
    response.set("Cache-Control", "no-cache");
    const std::string wanted = request.get("If-None-Match", "");
    if (!wanted.empty() && (wanted == "*" || wanted.find(tag) != std::string::npos)) {
        // No body; a Content-Length, if any, must be the file's (RFC 9110 §8.6).
        response.setStatusAndReason(HTTPResponse::HTTP_NOT_MODIFIED);
        response.setContentLength(static_cast<std::streamsize>(asset->size));
        response.send();
        return;
    }
    response.setStatusAndReason(HTTPResponse::HTTP_OK);
    response.setContentType(contentTypeOf(name));
    response.setContentLength(static_cast<std::streamsize>(asset->size));
    std::ostream& body = response.send();
    if (!head) body.write(asset->bytes, static_cast<std::streamsize>(asset->size));
}

}  // namespace orderhost::console
