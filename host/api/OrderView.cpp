#include "host/api/OrderView.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <functional>

namespace orderhost::api {
namespace {

Poco::JSON::Object stepView(const store::StepRunRecord& run) {
    Poco::JSON::Object step(Poco::JSON_PRESERVE_KEY_ORDER);
    step.set("seq", run.seq);
    step.set("step", run.stepName);
    if (!run.chain.empty()) step.set("chain", run.chain);
    step.set("plugin", run.pluginId);
    step.set("step_kind", run.stepKind);
    step.set("attempt", run.attempt);
    step.set("outcome", run.outcome);
    if (!run.code.empty()) step.set("code", run.code);
    if (!run.message.empty()) step.set("message", run.message);
    step.set("started_at", run.startedAtMs);
    step.set("finished_at", run.finishedAtMs);
    return step;
}

struct TimelineEntry {
    int64_t at;
    Poco::JSON::Object entry;
};

// The returns the document records as ended (/returns/<n> and /return with status and
// settled_at, engine/ReturnSettlement.h): "return.returned", "return.refused", "return.failed".
void addReturns(const Poco::Dynamic::Var& document,
                const std::function<void(int64_t, const std::string&, const Poco::JSON::Object::Ptr&)>& add) {
    const auto object = document.type() == typeid(Poco::JSON::Object::Ptr) ? document.extract<Poco::JSON::Object::Ptr>()
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
            add(one->getValue<int64_t>("settled_at"), "return." + one->getValue<std::string>("status"), one);
        } catch (const Poco::Exception&) {  // not written by the host: not a settled return
        }
    }
}

// Steps at their finish, inquiries when opened and when answered, returns when they ended;
// ties keep that order.
Poco::JSON::Array timeline(const std::vector<store::StepRunRecord>& steps,
                           const std::vector<store::InquiryRecord>& inquiries, const Poco::Dynamic::Var& document) {
    std::vector<TimelineEntry> entries;
    auto add = [&](int64_t at, const std::string& type,
                   std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>> fields) {
        Poco::JSON::Object entry(Poco::JSON_PRESERVE_KEY_ORDER);
        entry.set("at", at);
        entry.set("type", type);
        for (const auto& [name, value] : fields) entry.set(name, value);
        entries.push_back({at, std::move(entry)});
    };
    for (const auto& run : steps)
        add(run.finishedAtMs, "step", {{"seq", run.seq}, {"step", run.stepName}, {"outcome", run.outcome}});
    for (const auto& inquiry : inquiries) {
        add(inquiry.createdAtMs, "inquiry.opened",
            {{"inquiry_id", inquiry.id}, {"channel", inquiry.channel}, {"question", inquiry.question}});
        if (inquiry.status == "answered")
            add(inquiry.answeredAtMs, "inquiry.answered",
                {{"inquiry_id", inquiry.id}, {"answer", inquiry.answer}, {"by", inquiry.answeredBy}});
    }
    addReturns(document, [&](int64_t at, const std::string& type, const Poco::JSON::Object::Ptr& ended) {
        const auto failure = ended->getObject("failure");
        add(at, type,
            {{"return_ref", ended->optValue<std::string>("return_ref", "")},
             {"code", failure ? failure->optValue<std::string>("code", "") : std::string()},
             {"message", failure ? failure->optValue<std::string>("message", "") : std::string()}});
    });
    std::stable_sort(entries.begin(), entries.end(),
                     [](const TimelineEntry& a, const TimelineEntry& b) { return a.at < b.at; });
    Poco::JSON::Array list;
    for (const auto& e : entries) list.add(e.entry);
    return list;
}

}  // namespace

Poco::JSON::Object orderView(const store::OrderRecord& order, const std::vector<store::StepRunRecord>& steps,
                             const std::vector<store::InquiryRecord>& inquiries) {
    Poco::JSON::Object view(Poco::JSON_PRESERVE_KEY_ORDER);
    view.set("id", order.id);
    view.set("order_ref", order.orderRef);
    view.set("chain", order.chain);
    view.set("chain_version", order.chainVersion);
    view.set("state", order.state);
    view.set("current_step", order.currentStep);
    // What a waiting order waits for: the signal, its timer, and while compensating the end state.
    if (!order.awaitingSignal.empty()) view.set("awaiting_signal", order.awaitingSignal);
    if (order.wakeAtMs > 0) view.set("wake_at", order.wakeAtMs);
    if (!order.compensateTo.empty()) view.set("compensate_to", order.compensateTo);
    view.set("created_at", order.createdAtMs);
    view.set("updated_at", order.updatedAtMs);
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));  // keep the ERP's key order
    const Poco::Dynamic::Var document = parser.parse(order.document);
    view.set("document", document);
    Poco::JSON::Array history;
    for (const auto& run : steps) history.add(stepView(run));
    view.set("steps", history);
    view.set("timeline", timeline(steps, inquiries, document));
    return view;
}

}  // namespace orderhost::api
