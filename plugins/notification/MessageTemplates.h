// The templates of one event, one file per language: <dir>/<event>.<language>.mustache. A file
// starts with its subject line, "Subject: ...", then an empty line, then the body; both are
// mustache templates (Debian's libkainjow-mustache-dev) rendered against the order document.
//
// Rendering data: the whole order document (objects, arrays, strings, numbers, booleans),
// plus at the top level `order_id`, `event` and `language`. Money is in integer minor units;
// every integer member named net, items, total, unit_price, amount or *_minor gets a sibling
// <name>_text with two decimals ("totals.net_text" → "123.45") for templates to show. Values
// are inserted as they are (no HTML escaping): the mail is text/plain. `this_return`: the money
// of the order's current return (rma_number, currency, credited_minor(_text) and
// refunded_minor(_text), each present only when not 0; MessageTemplates.cpp, thisReturn).
//
// Thread contract: loaded in the step's constructor, then only read; render() may run on
// several threads at once.
#pragma once

#include <map>
#include <string>

namespace orderhost::notification {

struct RenderedMessage {
    std::string language;  // the language whose template was used
    std::string subject;
    std::string body;
};

class MessageTemplates {
public:
    // Loads every <event>.<language>.mustache in `folder`. Throws std::invalid_argument naming
    // the file when the folder is missing, the default language has no template, a file has no
    // "Subject:" line or a template does not parse.
    MessageTemplates(const std::string& folder, const std::string& event, const std::string& defaultLanguage);

    // Renders the template of `language` (else the default language) with `orderJson`, the
    // order document as JSON text. Throws std::runtime_error when rendering fails.
    RenderedMessage render(const std::string& language, const std::string& orderJson, const std::string& orderId) const;

    bool has(const std::string& language) const { return templates_.count(language) != 0; }

private:
    struct Template {
        std::string subject;
        std::string body;
    };
    std::string event_;
    std::string defaultLanguage_;
    std::map<std::string, Template> templates_;  // by language
};

}  // namespace orderhost::notification
