#!/usr/bin/env node
// Validates real HTTP exchanges with a running host against docs/openapi.yaml, so the
// description cannot drift from the code:
//
//   node validate-responses.mjs <openapi.yaml> <exchanges.jsonl> [--expect-coverage]
//
// Each line of the exchanges file is one request and the host's reply, as the e2e tests
// recorded them (tests/e2e/ContractRecorder.h):
//   {"method":"POST","target":"/v1/orders?x=1","status":201,"content_type":"application/json",
//    "headers":{"Location":"..."},"body":"..."}
// For each one: the path must match a described path (else the reply must be a 404
// problem), the method an operation of it (else 405 or 401), the status must be one the
// operation describes, the Content-Type one of that response's media types, and the body
// must validate against its schema (JSON Schema 2020-12, as OpenAPI 3.1 says). A problem
// document's `status` must equal the HTTP status. GET /v1/openapi.json must return exactly
// the YAML file's content. With --expect-coverage, every described operation must have been
// answered with a 2xx at least once.
// Exit status: 0 when every exchange conforms, 1 otherwise (each violation printed).
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse as parseYaml } from "yaml";

const [specFile, exchangesFile, ...flags] = process.argv.slice(2);
if (!specFile || !exchangesFile) {
  console.error("usage: validate-responses.mjs <openapi.yaml> <exchanges.jsonl> [--expect-coverage]");
  process.exit(2);
}
const spec = parseYaml(readFileSync(specFile, "utf8"));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, "openapi.json");

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const pointer = (...parts) => parts.map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

// Path templates as regular expressions, the most literal first (/v1/orders before /v1/orders/{id}).
const templates = Object.keys(spec.paths)
  .map((template) => ({
    template,
    literal: template.split("/").filter((s) => s && !s.startsWith("{")).length,
    regex: new RegExp("^" + template.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+") + "$"),
  }))
  .sort((a, b) => b.literal - a.literal);

const validators = new Map();
function validatorFor(ref) {
  if (!validators.has(ref)) validators.set(ref, ajv.getSchema(ref));
  return validators.get(ref);
}

function resolve(object) {
  // Responses may be references to #/components/responses/X.
  while (object && object.$ref) {
    const path = object.$ref.replace(/^#\//, "").split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    object = path.reduce((node, key) => node[key], spec);
  }
  return object;
}

function responseSchemaRef(template, method, status, mediaType) {
  const response = spec.paths[template][method].responses[status];
  if (response.$ref) return "openapi.json" + response.$ref + "/" + pointer("content", mediaType, "schema");
  return "openapi.json#/" + pointer("paths", template, method, "responses", status, "content", mediaType, "schema");
}

const problemRef = "openapi.json#/components/schemas/Problem";
const covered = new Set();
const errors = [];
let count = 0;

function checkProblem(exchange, where) {
  if (mediaTypeOf(exchange) !== "application/problem+json")
    return errors.push(`${where}: a ${exchange.status} must be application/problem+json, got '${exchange.content_type}'`);
  checkBody(exchange, problemRef, where);
}

function mediaTypeOf(exchange) {
  return (exchange.content_type || "").split(";")[0].trim().toLowerCase();
}

function checkBody(exchange, schemaRef, where) {
  let body;
  try {
    body = JSON.parse(exchange.body);
  } catch (e) {
    return errors.push(`${where}: the body is not JSON (${e.message}): ${exchange.body.slice(0, 200)}`);
  }
  const validate = validatorFor(schemaRef);
  if (!validate) return errors.push(`${where}: no schema at ${schemaRef}`);
  if (!validate(body)) {
    for (const e of validate.errors)
      errors.push(`${where}: body${e.instancePath} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`);
  }
  if (mediaTypeOf(exchange) === "application/problem+json" && body && body.status !== exchange.status)
    errors.push(`${where}: the problem's status ${body.status} is not the HTTP status ${exchange.status}`);
  return body;
}

function checkExchange(exchange) {
  const method = exchange.method.toLowerCase();
  const path = exchange.target.split("?")[0];
  const where = `${exchange.method} ${exchange.target} -> ${exchange.status}`;
  const match = templates.find((t) => t.regex.test(path));
  if (!match) {
    if (exchange.status !== 404 && exchange.status !== 401) errors.push(`${where}: no described path matches, so only 404 (or 401) may answer`);
    return checkProblem(exchange, where);
  }
  const item = spec.paths[match.template];
  if (!METHODS.includes(method) || !item[method]) {
    if (exchange.status !== 405 && exchange.status !== 401) errors.push(`${where}: ${exchange.method} is not described on ${match.template}, so only 405 (or 401) may answer`);
    return checkProblem(exchange, where);
  }
  const operation = item[method];
  const status = String(exchange.status);
  const response = resolve(operation.responses[status] || operation.responses.default);
  const opWhere = `${where} (${operation.operationId})`;
  if (!response) return errors.push(`${opWhere}: status ${status} is not described for this operation`);
  if (exchange.status >= 200 && exchange.status < 300) covered.add(operation.operationId);
  for (const [name, header] of Object.entries(response.headers || {})) {
    const value = Object.entries(exchange.headers || {}).find(([k]) => k.toLowerCase() === name.toLowerCase());
    if (header.required && !value) errors.push(`${opWhere}: header ${name} is required`);
    if (value && header.schema && header.schema.type === "integer" && !/^\d+$/.test(value[1]))
      errors.push(`${opWhere}: header ${name} must be an integer, got '${value[1]}'`);
    if (value && header.schema && header.schema.const !== undefined && value[1] !== header.schema.const)
      errors.push(`${opWhere}: header ${name} must be '${header.schema.const}', got '${value[1]}'`);
  }
  if (method === "head") return;
  if (!response.content) {
    if (exchange.body) errors.push(`${opWhere}: no body is described, got ${exchange.body.length} bytes`);
    return;
  }
  const mediaType = mediaTypeOf(exchange);
  if (!response.content[mediaType])
    return errors.push(`${opWhere}: Content-Type '${exchange.content_type}' is not one of ${Object.keys(response.content).join(", ")}`);
  // A text body (GET /metrics) is a string by its schema; promtool checks its content
  // (tests/e2e/OperationsEndpointsTest.cpp).
  if (mediaType.startsWith("text/")) return;
  const body = checkBody(exchange, responseSchemaRef(match.template, method, status, mediaType), opWhere);
  if (operation.operationId === "getOpenApiDescription" && exchange.status === 200 && !isDeepStrictEqual(body, spec))
    errors.push(`${opWhere}: the served description differs from ${specFile}`);
}

for (const line of readFileSync(exchangesFile, "utf8").split("\n")) {
  if (!line.trim()) continue;
  count++;
  checkExchange(JSON.parse(line));
}
if (flags.includes("--expect-coverage")) {
  for (const [template, item] of Object.entries(spec.paths))
    for (const method of METHODS)
      if (item[method] && !covered.has(item[method].operationId))
        errors.push(`coverage: ${method.toUpperCase()} ${template} (${item[method].operationId}) was never answered with a 2xx`);
}
for (const error of errors) console.error(error);
console.log(`validate-responses: ${count} exchange(s), ${covered.size} operation(s) covered, ${errors.length} violation(s)`);
process.exit(errors.length === 0 && count > 0 ? 0 : 1);
