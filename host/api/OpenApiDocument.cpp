#include "host/api/OpenApiDocument.h"

#include "host/chains/YamlToJson.h"

#include <cstddef>
#include <stdexcept>

namespace orderhost::api {

// Generated from docs/openapi.yaml (host/api/CMakeLists.txt).
extern const char kOpenApiYaml[];
extern const std::size_t kOpenApiYaml_size;

namespace {

std::string convert() {
    std::vector<chains::ChainError> errors;
    const std::string file = "docs/openapi.yaml";
    std::optional<std::string> json;
    try {
        const YAML::Node root = YAML::Load(std::string(kOpenApiYaml, kOpenApiYaml_size));
        // Generous limits: the budget guards chain files against alias bombs, not this file.
        json = chains::YamlToJson(file, errors, {64, 1000000, 16 * 1024 * 1024}).convert(root);
    } catch (const YAML::Exception& e) {
        throw std::runtime_error(file + ": " + e.what());
    }
    if (!json) throw std::runtime_error(errors.empty() ? file + ": cannot be converted" : errors.front().toString());
    return *json;
}

}  // namespace

const std::string& openApiJson() {
    static const std::string json = convert();
    return json;
}

void getOpenApiDescription(Poco::Net::HTTPServerResponse& response) {
    const std::string& json = openApiJson();
    response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(json.size()));
    response.set("Cache-Control", "no-store");
    response.send() << json;
}

}  // namespace orderhost::api
