// The API's OpenAPI 3.1 description, docs/openapi.yaml, as served at GET /v1/openapi.json.
//
// The YAML file is embedded into the build (cmake/EmbedText.cmake) and converted to JSON
// once, with the chain files' YAML rules (host/chains/YamlToJson.h: YAML 1.2 core schema), so
// the served document is the file's content and cannot differ from the repository's copy.
//
//   sendJsonText(response, openApiJson());
#pragma once

#include <Poco/Net/HTTPServerResponse.h>

#include <string>

namespace orderhost::api {

// The description as compact JSON. Converted at the first call (thread-safe); throws
// std::runtime_error naming the line and column when the embedded YAML cannot be converted
// (a broken build: ApiContractTest checks it).
const std::string& openApiJson();

// GET /v1/openapi.json.
void getOpenApiDescription(Poco::Net::HTTPServerResponse& response);

}  // namespace orderhost::api
