#include "PublicationViews.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <set>
#include <stdexcept>

namespace orderhost::publication {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

[[noreturn]] void refuse(const std::string& where, const std::string& message) {
    throw std::invalid_argument(where + ": " + message);
}

bool isObject(const Var& v) { return v.type() == typeid(Object::Ptr); }
bool isArray(const Var& v) { return v.type() == typeid(Array::Ptr); }

std::string pointerAt(const Var& value, const std::string& where) {
    if (!value.isString()) refuse(where, "must be a JSON Pointer string such as /order_ref");
    const std::string pointer = value.extract<std::string>();
    if (pointer.empty() || pointer.front() != '/')
        refuse(where, "must be a JSON Pointer starting with '/', got \"" + pointer + "\"");
    return pointer;
}

std::vector<FieldSpec> parseFields(const Var& value, const std::string& where, bool nested);

FieldSpec parseField(const std::string& name, const Var& value, const std::string& where, bool nested) {
    FieldSpec field;
    field.name = name;
    if (value.isString()) {
        field.path = pointerAt(value, where);
        return field;
    }
    if (!isObject(value)) refuse(where, "must be a JSON Pointer or an object {path, required} or {each, fields}");
    const Object::Ptr spec = value.extract<Object::Ptr>();
    for (const auto& member : *spec)
        if (member.first != "path" && member.first != "required" && member.first != "each" && member.first != "fields")
            refuse(where + "/" + member.first, "is not a field setting (path, required, each, fields)");
    if (spec->has("required")) {
        const Var required = spec->get("required");
        if (!required.isBoolean()) refuse(where + "/required", "must be true or false");
        field.required = required.extract<bool>();
    }
    if (spec->has("each")) {
        if (nested) refuse(where + "/each", "lists inside lists are not supported");
        if (spec->has("path")) refuse(where, "has both path and each: give one");
        field.eachPath = pointerAt(spec->get("each"), where + "/each");
        if (!spec->has("fields")) refuse(where + "/fields", "is required with each");
        field.fields = parseFields(spec->get("fields"), where + "/fields", true);
        return field;
    }
    if (!spec->has("path")) refuse(where + "/path", "is required");
    field.path = pointerAt(spec->get("path"), where + "/path");
    return field;
}

std::vector<FieldSpec> parseFields(const Var& value, const std::string& where, bool nested) {
    if (!isObject(value)) refuse(where, "must be an object of payload field names to JSON Pointers");
    const Object::Ptr object = value.extract<Object::Ptr>();
    if (object->size() == 0) refuse(where, "must name at least one field");
    std::vector<FieldSpec> fields;
    for (const auto& member : *object)
        fields.push_back(parseField(member.first, member.second, where + "/" + member.first, nested));
    return fields;
}

// RFC 6901 unescaping of one reference token.
std::string unescape(std::string token) {
    for (std::size_t at = token.find('~'); at != std::string::npos; at = token.find('~', at + 1)) {
        if (at + 1 < token.size() && token[at + 1] == '1')
            token.replace(at, 2, "/");
        else if (at + 1 < token.size() && token[at + 1] == '0')
            token.replace(at, 2, "~");
    }
    return token;
}

Var fieldValue(const FieldSpec& field, const Var& root, const std::string& where) {
    if (field.eachPath.empty()) {
        Var value = valueAt(root, field.path);
        if (value.isEmpty() && field.required)
            throw std::runtime_error(where + field.path + " is required but missing");
        return value;
    }
    const Var list = valueAt(root, field.eachPath);
    if (!isArray(list)) {
        if (field.required) throw std::runtime_error(where + field.eachPath + " is required but is not an array");
        return Var();
    }
    Array::Ptr out = new Array();
    const Array::Ptr items = list.extract<Array::Ptr>();
    for (std::size_t i = 0; i < items->size(); ++i) {
        Object::Ptr element = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        const std::string elementPath = where + field.eachPath + "/" + std::to_string(i);
        for (const FieldSpec& inner : field.fields) {
            const Var value = fieldValue(inner, items->get(static_cast<unsigned>(i)), elementPath);
            if (!value.isEmpty()) element->set(inner.name, value);
        }
        out->add(element);
    }
    return out;
}

}  // namespace

bool isPluginEventType(const std::string& type) {
    if (type.empty() || type.size() > 64 || type[0] < 'a' || type[0] > 'z') return false;
    for (char c : type)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
    return type.rfind("order.", 0) != 0 && type.rfind("step.", 0) != 0;
}

Var valueAt(const Var& root, const std::string& pointer) {
    Var current = root;
    std::size_t start = 1;
    while (start <= pointer.size()) {
        const std::size_t end = pointer.find('/', start);
        const std::string token =
            unescape(pointer.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (isObject(current)) {
            const Object::Ptr object = current.extract<Object::Ptr>();
            if (!object->has(token)) return Var();
            current = object->get(token);
        } else if (isArray(current)) {
            const Array::Ptr array = current.extract<Array::Ptr>();
            if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos) return Var();
            const unsigned long index = std::stoul(token);
            if (index >= array->size()) return Var();
            current = array->get(static_cast<unsigned>(index));
        } else {
            return Var();
        }
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return current;
}

std::vector<ViewSpec> parseViews(const std::string& configJson) {
    // Keeps the config's member order, so payload fields come in the order the administrator wrote.
    const Var config =
        Poco::JSON::Parser(new Poco::JSON::ParseHandler(true)).parse(configJson.empty() ? "{}" : configJson);
    const Var views = isObject(config) ? valueAt(config, "/views") : Var();
    if (!isArray(views) || views.extract<Array::Ptr>()->size() == 0)
        refuse("views", "is required: a list of {event, fields}, one per subscribing system");
    std::vector<ViewSpec> parsed;
    std::set<std::string> events;
    const Array::Ptr list = views.extract<Array::Ptr>();
    for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string where = "views/" + std::to_string(i);
        const Var view = list->get(static_cast<unsigned>(i));
        if (!isObject(view)) refuse(where, "must be an object {event, fields}");
        ViewSpec spec;
        const Var event = valueAt(view, "/event");
        spec.event = event.isString() ? event.extract<std::string>() : std::string();
        if (!isPluginEventType(spec.event))
            refuse(where + "/event",
                   "must be an event type of a-z, 0-9, '.', '_', '-' (at most 64, starting with a letter; "
                   "\"order.\" and \"step.\" belong to the host), e.g. sales_order.for_inventory");
        if (!events.insert(spec.event).second)
            refuse(where + "/event", "\"" + spec.event + "\" is published by an earlier view too");
        spec.fields = parseFields(valueAt(view, "/fields"), where + "/fields", false);
        parsed.push_back(std::move(spec));
    }
    return parsed;
}

Object::Ptr buildPayload(const ViewSpec& view, const Object::Ptr& order) {
    Object::Ptr payload = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    const Var root(order);
    for (const FieldSpec& field : view.fields) {
        const Var value = fieldValue(field, root, "");
        if (!value.isEmpty()) payload->set(field.name, value);
    }
    return payload;
}

}  // namespace orderhost::publication
