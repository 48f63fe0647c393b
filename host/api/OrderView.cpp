#include "host/api/OrderView.h"

#include "host/api/ClientText.h"
#include "host/document/JsonCodec.h"
#include "host/document/JsonSyntax.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>

namespace orderhost::api {
namespace {

// The members of one JSON object, appended to `out` as they are given: the view is written
// as text, not built as a Poco tree first (that, and parsing the document only to write it
// out again, cost about 6 % of the host's CPU per order: docs/performance.md, issue 12).
class ObjectText {
public:
    explicit ObjectText(std::string& out) : out_(out) { out_.push_back('{'); }
    ObjectText(ObjectText&& other) noexcept : out_(other.out_), first_(other.first_) { other.closes_ = false; }
    ~ObjectText() {
        if (closes_) out_.push_back('}');
    }
    ObjectText(const ObjectText&) = delete;
    ObjectText& operator=(const ObjectText&) = delete;
    ObjectText& operator=(ObjectText&&) = delete;

    ObjectText& text(std::string_view name, std::string_view value) {
        document::appendJsonString(key(name), value);
        return *this;
    }
    ObjectText& textIfAny(std::string_view name, std::string_view value) {
        return value.empty() ? *this : text(name, value);
    }
    ObjectText& number(std::string_view name, std::int64_t value) {
        key(name).append(std::to_string(value));
        return *this;
    }
    // For a value written by the caller: the member's name is in place, its value goes next.
    std::string& member(std::string_view name) { return key(name); }
    // `json`: a JSON value's text, copied as it is.
    ObjectText& json(std::string_view name, std::string_view json) {
        key(name).append(json);
        return *this;
    }

private:
    std::string& key(std::string_view name) {
        if (!first_) out_.push_back(',');
        first_ = false;
        document::appendJsonString(out_, name);
        out_.push_back(':');
        return out_;
    }

    std::string& out_;
    bool first_ = true;
    bool closes_ = true;
};

void appendStep(std::string& out, const store::StepRunRecord& run) {
    ObjectText step(out);
    step.number("seq", run.seq).text("step", run.stepName).textIfAny("chain", run.chain);
    step.text("plugin", run.pluginId).text("step_kind", run.stepKind).number("attempt", run.attempt);
    step.text("outcome", run.outcome).textIfAny("code", run.code).textIfAny("message", run.message);
    step.number("started_at", run.startedAtMs).number("finished_at", run.finishedAtMs);
}

// Limits for reading a stored document back: it passed the intake's limits once, but the
// host's own writing may have grown it since (toJson writes 1e1 as 10.0; plugins set values),
// and a document the host stored must never make its order unreadable.
document::JsonLimits storedLimits(const std::string& documentText) {
    document::JsonLimits limits;
    limits.maxBytes = std::max(limits.maxBytes, documentText.size());
    limits.maxDepth = document::JsonLimits::kMaxSupportedDepth;
    return limits;
}

struct TimelineEntry {
    std::int64_t at;
    std::string json;
};

// A new entry of the timeline, {"at":…,"type":… so far; the caller adds the rest. The entry
// must be complete before the next one is added (it writes into `entries`).
ObjectText timelineEntry(std::vector<TimelineEntry>& entries, std::int64_t at, const std::string& type) {
    ObjectText entry(entries.emplace_back(TimelineEntry{at, {}}).json);
    entry.number("at", at).text("type", type);
    return entry;
}

// The returns the document records as ended (/returns/<n> and /return with status and
// settled_at, engine/ReturnSettlement.h): "return.returned", "return.refused", "return.failed".
void addReturns(const std::string& documentText, std::vector<TimelineEntry>& entries) {
    if (documentText.find("\"return") == std::string::npos) return;  // the usual case: none to parse
    const document::JsonValueResult parsed = document::parseJsonValue(documentText, storedLimits(documentText));
    const auto object = parsed.ok() && parsed.value.type() == typeid(Poco::JSON::Object::Ptr)
                            ? parsed.value.extract<Poco::JSON::Object::Ptr>()
                            : Poco::JSON::Object::Ptr();
    if (!object) return;
    std::vector<Poco::JSON::Object::Ptr> ended;
    if (const auto archived = object->getArray("returns"))
        for (std::size_t i = 0; i < archived->size(); ++i)
            if (const auto one = archived->getObject(static_cast<unsigned>(i))) ended.push_back(one);
    if (const auto last = object->getObject("return")) ended.push_back(last);
    for (const auto& one : ended) {
        if (!one->has("status") || !one->has("settled_at")) continue;
        try {
            const auto at = one->getValue<std::int64_t>("settled_at");
            const auto failure = one->getObject("failure");
            const std::string type = "return." + one->getValue<std::string>("status");
            timelineEntry(entries, at, type)
                .text("return_ref", one->optValue<std::string>("return_ref", ""))
                .text("code", failure ? failure->optValue<std::string>("code", "") : std::string())
                .text("message", failure ? failure->optValue<std::string>("message", "") : std::string());
        } catch (const Poco::Exception&) {  // not written by the host: not a settled return
        }
    }
}

// Steps at their finish, inquiries when opened and when answered, returns when they ended;
// ties keep that order.
void appendTimeline(std::string& out, const std::vector<store::StepRunRecord>& steps,
                    const std::vector<store::InquiryRecord>& inquiries, const std::string& documentText) {
    std::vector<TimelineEntry> entries;
    for (const auto& run : steps)
        timelineEntry(entries, run.finishedAtMs, "step")
            .number("seq", run.seq)
            .text("step", run.stepName)
            .text("outcome", run.outcome);
    for (const auto& inquiry : inquiries) {
        timelineEntry(entries, inquiry.createdAtMs, "inquiry.opened")
            .text("inquiry_id", inquiry.id)
            .text("channel", inquiry.channel)
            .text("question", inquiry.question);
        if (inquiry.status == "answered")
            timelineEntry(entries, inquiry.answeredAtMs, "inquiry.answered")
                .text("inquiry_id", inquiry.id)
                .text("answer", inquiry.answer)
                .text("by", inquiry.answeredBy);
    }
    addReturns(documentText, entries);
    std::stable_sort(entries.begin(), entries.end(),
                     [](const TimelineEntry& a, const TimelineEntry& b) { return a.at < b.at; });
    out.push_back('[');
    for (std::size_t i = 0; i < entries.size(); ++i) out.append(i ? "," : "").append(entries[i].json);
    out.push_back(']');
}

}  // namespace

std::string orderView(const store::OrderRecord& order, const std::vector<store::StepRunRecord>& steps,
                      const std::vector<store::InquiryRecord>& inquiries) {
    // The stored document is the host's own JSON text (JsonDocument::toJson, checked at intake
    // and at every write), so it goes into the reply as it is, the ERP's key order kept.
    if (const auto error = document::checkJsonSyntax(order.document, storedLimits(order.document)))
        throw std::runtime_error("order " + order.id + ": the stored document is not JSON: " + error->toString());
    std::string out;
    out.reserve(order.document.size() + 512 * (steps.size() + 1));
    {
        ObjectText view(out);
        view.text("id", order.id).text("order_ref", order.orderRef).text("chain", order.chain);
        view.number("chain_version", order.chainVersion).text("state", order.state);
        view.number("current_step", order.currentStep);
        // What a waiting order waits for: the signal, its timer, and while compensating the end state.
        view.textIfAny("awaiting_signal", order.awaitingSignal);
        if (order.wakeAtMs > 0) view.number("wake_at", order.wakeAtMs);
        view.textIfAny("compensate_to", order.compensateTo);
        view.number("created_at", order.createdAtMs).number("updated_at", order.updatedAtMs);
        view.json("document", order.document);
        std::string& history = view.member("steps");
        history.push_back('[');
        for (std::size_t i = 0; i < steps.size(); ++i) {
            if (i) history.push_back(',');
            appendStep(history, steps[i]);
        }
        history.push_back(']');
        appendTimeline(view.member("timeline"), steps, inquiries, order.document);
    }
    // Plugins' and clients' text was cleaned at the boundary; this keeps the promise that a
    // reply is valid UTF-8 even for rows written before that (Poco's writer did the same).
    return validUtf8(out);
}

}  // namespace orderhost::api
