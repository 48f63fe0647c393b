#include "MessageTemplates.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <kainjow/mustache.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace orderhost::notification {
namespace {

using kainjow::mustache::data;
using kainjow::mustache::mustache;
using Poco::Dynamic::Var;

const std::set<std::string> kMoneyNames = {"net", "items", "total", "unit_price", "amount"};

bool isMoney(const std::string& name) {
    return kMoneyNames.count(name) != 0 || (name.size() > 6 && name.compare(name.size() - 6, 6, "_minor") == 0);
}

// 12345 → "123.45", -5 → "-0.05": two decimals, the exponent of most currencies.
std::string moneyText(std::int64_t minor) {
    const bool negative = minor < 0;
    const std::uint64_t magnitude =
        negative ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
    std::string cents = std::to_string(magnitude % 100);
    if (cents.size() < 2) cents.insert(0, "0");
    return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + cents;
}

data toData(const Var& value);

data objectData(const Poco::JSON::Object::Ptr& object) {
    data result(data::type::object);
    for (const auto& member : *object) {
        // An empty text is left out, so that a section on it is false ("Hello{{#customer.name}}
        // {{customer.name}}{{/customer.name}}," without a stray space for a name of ""); kainjow
        // takes any string, "" too, as true.
        if (member.second.isString() && member.second.extract<std::string>().empty()) continue;
        result.set(member.first, toData(member.second));
        if (isMoney(member.first) && member.second.isInteger())
            result.set(member.first + "_text", moneyText(member.second.convert<std::int64_t>()));
    }
    return result;
}

data toData(const Var& value) {
    if (value.isEmpty()) return data(false);
    if (value.type() == typeid(Poco::JSON::Object::Ptr)) return objectData(value.extract<Poco::JSON::Object::Ptr>());
    if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
        data list(data::type::list);
        for (const Var& item : *value.extract<Poco::JSON::Array::Ptr>()) list.push_back(toData(item));
        return list;
    }
    if (value.type() == typeid(bool)) return data(value.extract<bool>());
    return data(value.convert<std::string>());
}

// The entries of the array `name` in `parent` whose rma_number is `rma`: Σ of their `member`,
// and the first currency among them (or nullopt-like 0 with "" when none).
std::int64_t sumForRma(const Poco::JSON::Object::Ptr& parent, const char* name, const std::string& rma,
                       const char* member, std::string& currency) {
    std::int64_t sum = 0;
    const Poco::JSON::Array::Ptr entries = parent ? parent->getArray(name) : nullptr;
    if (!entries) return 0;
    for (const Var& item : *entries) {
        if (item.type() != typeid(Poco::JSON::Object::Ptr)) continue;
        const Poco::JSON::Object::Ptr entry = item.extract<Poco::JSON::Object::Ptr>();
        const Var amount = entry->get(member);
        if (entry->optValue<std::string>("rma_number", "") != rma || !amount.isInteger()) continue;
        const std::int64_t value = amount.convert<std::int64_t>();
        if (__builtin_add_overflow(sum, value, &sum)) return 0;  // not an amount to show
        if (currency.empty()) currency = entry->optValue<std::string>("currency", "");
    }
    return sum;
}

// `this_return`: the money of the order's current return (/return/rma/number), for the mail
// that ends it — what its credit notes credited (/billing/return_credits) and what was refunded
// for it (/payment/refunds), each only when not 0. The document's own totals
// (/payment/refunded_minor) count every return of the order, and an order paid by invoice has
// no refund at all (found by a black-box probe: the second return's mail showed both returns'
// refund, and an invoice customer read "refunded to your card").
data thisReturn(const Var& order) {
    data result(data::type::object);
    if (order.type() != typeid(Poco::JSON::Object::Ptr)) return result;
    const Poco::JSON::Object::Ptr root = order.extract<Poco::JSON::Object::Ptr>();
    const Poco::JSON::Object::Ptr ret = root->getObject("return");
    const Poco::JSON::Object::Ptr rma = ret ? ret->getObject("rma") : nullptr;
    const std::string number = rma ? rma->optValue<std::string>("number", "") : "";
    if (number.empty()) return result;
    std::string currency;
    const std::int64_t credited =
        sumForRma(root->getObject("billing"), "return_credits", number, "total_minor", currency);
    const std::int64_t refunded = sumForRma(root->getObject("payment"), "refunds", number, "amount_minor", currency);
    if (currency.empty()) currency = root->optValue<std::string>("currency", "");
    result.set("rma_number", number);
    result.set("currency", currency);
    if (credited != 0) {
        result.set("credited_minor", std::to_string(credited));
        result.set("credited_minor_text", moneyText(credited));
    }
    if (refunded != 0) {
        result.set("refunded_minor", std::to_string(refunded));
        result.set("refunded_minor_text", moneyText(refunded));
    }
    return result;
}

// Parses `text` once to check it; kainjow keeps no state we could share between threads.
void checkTemplate(const std::string& text, const std::string& file) {
    mustache parsed(text);
    if (!parsed.is_valid()) throw std::invalid_argument(file + ": " + parsed.error_message());
}

std::string render(const std::string& text, const data& values) {
    mustache parsed(text);
    parsed.set_custom_escape([](const std::string& s) { return s; });  // text/plain: as is
    std::string out = parsed.render(values);
    if (!parsed.is_valid()) throw std::runtime_error(parsed.error_message());
    return out;
}

}  // namespace

MessageTemplates::MessageTemplates(const std::string& folder, const std::string& event,
                                   const std::string& defaultLanguage)
    : event_(event), defaultLanguage_(defaultLanguage) {
    namespace fs = std::filesystem;
    std::error_code error;
    if (!fs::is_directory(folder, error))
        throw std::invalid_argument("templates_dir " + folder +
                                    " is not a folder (a relative path is taken from the host's working directory)");
    const std::string prefix = event + ".";
    const std::string suffix = ".mustache";
    for (const fs::directory_entry& entry : fs::directory_iterator(folder)) {
        const std::string name = entry.path().filename().string();
        if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        const std::string language = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
        if (language.find('.') != std::string::npos) continue;  // another event's name with a dot
        std::ifstream in(entry.path());
        std::stringstream content;
        content << in.rdbuf();
        std::string text = content.str();
        const std::size_t firstLineEnd = text.find('\n');
        if (text.rfind("Subject:", 0) != 0 || firstLineEnd == std::string::npos)
            throw std::invalid_argument(entry.path().string() + ": the first line must be \"Subject: ...\"");
        Template parsed;
        parsed.subject = text.substr(8, firstLineEnd - 8);
        while (!parsed.subject.empty() && (parsed.subject.front() == ' ')) parsed.subject.erase(0, 1);
        while (!parsed.subject.empty() && (parsed.subject.back() == '\r' || parsed.subject.back() == ' '))
            parsed.subject.pop_back();
        std::size_t bodyStart = firstLineEnd + 1;
        if (text.compare(bodyStart, 1, "\n") == 0)
            bodyStart += 1;
        else if (text.compare(bodyStart, 2, "\r\n") == 0)
            bodyStart += 2;
        parsed.body = text.substr(bodyStart);
        checkTemplate(parsed.subject, entry.path().string() + " (subject)");
        checkTemplate(parsed.body, entry.path().string());
        templates_[language] = std::move(parsed);
    }
    if (!has(defaultLanguage))
        throw std::invalid_argument("no template " + (fs::path(folder) / (prefix + defaultLanguage + suffix)).string() +
                                    " for the default language " + defaultLanguage);
}

RenderedMessage MessageTemplates::render(const std::string& language, const std::string& orderJson,
                                         const std::string& orderId) const {
    RenderedMessage message;
    message.language = has(language) ? language : defaultLanguage_;
    const Template& chosen = templates_.at(message.language);
    const Var order = Poco::JSON::Parser().parse(orderJson);
    data values = order.type() == typeid(Poco::JSON::Object::Ptr) ? toData(order) : data(data::type::object);
    values.set("order_id", orderId);
    values.set("event", event_);
    values.set("language", message.language);
    values.set("this_return", thisReturn(order));
    message.subject = notification::render(chosen.subject, values);
    message.body = notification::render(chosen.body, values);
    // A subject is one header line: a value with a newline would start a header of its own.
    for (char& c : message.subject)
        if (c == '\r' || c == '\n') c = ' ';
    return message;
}

}  // namespace orderhost::notification
