// The views a publish-order step publishes: one event per subscribing system, each with the
// fields of the order document that system needs. Config (docs/plugins.md#publication):
//
//   views:
//     - event: sales_order.for_inventory        # the event type (not "order." / "step.": the host's)
//       fields:
//         order_ref: /order_ref                 # a JSON Pointer into the order: copied when present
//         warehouse: { path: /sourcing/warehouse, required: true }   # missing → the step FAILs
//         lines:                                # an array, each element reduced to these fields
//           each: /lines
//           fields: { sku: /sku, quantity: /quantity }
//
// Field names are the payload's member names. A field's path that is absent in the order is
// left out of the payload (or fails the step when `required`).
//
// Thread contract: parsed in the step's constructor, then only read.
#pragma once

#include <Poco/JSON/Object.h>

#include <memory>
#include <string>
#include <vector>

namespace orderhost::publication {

struct FieldSpec {
    std::string name;
    std::string path;  // JSON Pointer in the order (or, inside `each`, in the element)
    bool required = false;
    std::string eachPath;  // set: an array of elements, each reduced to `fields`
    std::vector<FieldSpec> fields;
};

struct ViewSpec {
    std::string event;
    std::vector<FieldSpec> fields;
};

// Parses and validates the `views` config (JSON text of the whole step config). Throws
// std::invalid_argument with the config path of the problem, e.g. "views/1/event: ...".
std::vector<ViewSpec> parseViews(const std::string& configJson);

// Builds one view's payload from the order. Throws std::runtime_error naming the path of a
// missing required field.
Poco::JSON::Object::Ptr buildPayload(const ViewSpec& view, const Poco::JSON::Object::Ptr& order);

// The value at JSON Pointer `pointer` in `root`; empty when absent.
Poco::Dynamic::Var valueAt(const Poco::Dynamic::Var& root, const std::string& pointer);

// Whether `type` is an event type the host accepts from a plugin (ext/events.h).
bool isPluginEventType(const std::string& type);

}  // namespace orderhost::publication
