#include "host/cli/OrderDisplay.h"

#include <string>

namespace orderhost::cli {
namespace {

std::string text(const Poco::JSON::Object& object, const std::string& name) {
    return object.has(name) ? oneLine(object.get(name).toString()) : "";
}

long long number(const Poco::JSON::Object& object, const std::string& name) {
    return object.has(name) ? object.getValue<long long>(name) : 0;
}

// The name of step `index` of chain `name` version `version`, from GET /v1/chains.
std::string stepName(const Poco::JSON::Object::Ptr& chains, const std::string& name, long long version,
                     long long index) {
    if (!chains || !chains->has("chains")) return "";
    const auto list = chains->getArray("chains");
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto chain = list->getObject(static_cast<unsigned>(i));
        if (text(*chain, "name") != name || number(*chain, "version") != version) continue;
        const auto steps = chain->getArray("steps");
        if (index < 0 || static_cast<std::size_t>(index) >= steps->size()) return "";
        return text(*steps->getObject(static_cast<unsigned>(index)), "name");
    }
    return "";
}

std::string currentStepText(const Poco::JSON::Object& order, const Poco::JSON::Object::Ptr& chains) {
    const long long index = number(order, "current_step");
    const std::string name = stepName(chains, text(order, "chain"), number(order, "chain_version"), index);
    return std::to_string(index) + (name.empty() ? "" : " (" + name + ")");
}

void printSteps(std::ostream& out, const Poco::JSON::Object& order) {
    const auto steps = order.getArray("steps");
    if (!steps || steps->size() == 0) {
        out << "\nno steps ran yet\n";
        return;
    }
    TextTable table({"SEQ", "FINISHED (UTC)", "CHAIN", "STEP", "PLUGIN", "ATTEMPT", "OUTCOME", "CODE", "MESSAGE"});
    for (std::size_t i = 0; i < steps->size(); ++i) {
        const auto step = steps->getObject(static_cast<unsigned>(i));
        table.add({text(*step, "seq"), formatTime(number(*step, "finished_at")), text(*step, "chain"),
                   text(*step, "step"), text(*step, "plugin") + " " + text(*step, "step_kind"), text(*step, "attempt"),
                   text(*step, "outcome"), text(*step, "code"), text(*step, "message")});
    }
    out << "\nsteps:\n";
    table.print(out);
}

// The timeline entries that are not steps (inquiries, ended returns): steps are listed above.
void printOtherEvents(std::ostream& out, const Poco::JSON::Object& order) {
    const auto timeline = order.getArray("timeline");
    if (!timeline) return;
    TextTable table({"AT (UTC)", "TYPE", "DETAIL"});
    for (std::size_t i = 0; i < timeline->size(); ++i) {
        const auto entry = timeline->getObject(static_cast<unsigned>(i));
        const std::string type = text(*entry, "type");
        if (type == "step") continue;
        std::string detail;
        for (const char* name : {"question", "answer", "by", "return_ref", "code", "message"}) {
            if (entry->has(name)) detail += (detail.empty() ? "" : "  ") + std::string(name) + "=" + text(*entry, name);
        }
        table.add({formatTime(number(*entry, "at")), type, detail});
    }
    if (table.empty()) return;
    out << "\ntimeline (besides the steps):\n";
    table.print(out);
}

}  // namespace

TextTable orderSummaryTable() {
    return TextTable({"ID", "ORDER_REF", "STATE", "CHAIN", "CUSTOMER", "CREATED (UTC)", "UPDATED (UTC)"});
}

void addOrderSummary(TextTable& table, const Poco::JSON::Object& summary) {
    table.add({text(summary, "id"), text(summary, "order_ref"), text(summary, "state"),
               text(summary, "chain") + " v" + text(summary, "chain_version"), text(summary, "customer_id"),
               formatTime(number(summary, "created_at")), formatTime(number(summary, "updated_at"))});
}

void printOrderView(std::ostream& out, const Poco::JSON::Object& order, const Poco::JSON::Object::Ptr& chains) {
    out << "order:         " << text(order, "id") << "\n"
        << "order_ref:     " << text(order, "order_ref") << "\n"
        << "state:         " << text(order, "state") << "\n";
    if (order.has("awaiting_signal")) out << "awaiting:      signal " << text(order, "awaiting_signal") << "\n";
    if (order.has("wake_at")) out << "wakes at:      " << formatTime(number(order, "wake_at")) << " UTC\n";
    if (order.has("compensate_to")) out << "undoing, then: " << text(order, "compensate_to") << "\n";
    out << "chain:         " << text(order, "chain") << " v" << text(order, "chain_version") << "\n"
        << "current step:  " << currentStepText(order, chains) << "\n"
        << "created:       " << formatTime(number(order, "created_at")) << " UTC\n"
        << "updated:       " << formatTime(number(order, "updated_at")) << " UTC\n";
    printSteps(out, order);
    printOtherEvents(out, order);
}

std::string orderStatusLine(const Poco::JSON::Object& order) {
    std::string line = text(order, "id") + " (" + text(order, "order_ref") + "): " + text(order, "state") + " on " +
                       text(order, "chain") + " v" + text(order, "chain_version");
    if (order.has("awaiting_signal")) line += ", awaiting signal " + text(order, "awaiting_signal");
    return line;
}

void printChains(std::ostream& out, const Poco::JSON::Object& chains) {
    TextTable table({"NAME", "VERSION", "LATEST", "TRIGGER", "STEPS", "FILE"});
    const auto list = chains.getArray("chains");
    for (std::size_t i = 0; list && i < list->size(); ++i) {
        const auto chain = list->getObject(static_cast<unsigned>(i));
        std::string steps;
        const auto stepList = chain->getArray("steps");
        for (std::size_t s = 0; stepList && s < stepList->size(); ++s) {
            steps += (s ? "," : "") + text(*stepList->getObject(static_cast<unsigned>(s)), "name");
        }
        table.add({text(*chain, "name"), text(*chain, "version"), chain->optValue<bool>("latest", false) ? "yes" : "no",
                   text(*chain, "trigger"), steps, text(*chain, "file")});
    }
    table.print(out);
}

void printPlugins(std::ostream& out, const Poco::JSON::Object& plugins) {
    TextTable table({"ID", "VERSION", "ISOLATED", "STEP KINDS", "FILE"});
    const auto list = plugins.getArray("plugins");
    for (std::size_t i = 0; list && i < list->size(); ++i) {
        const auto plugin = list->getObject(static_cast<unsigned>(i));
        std::string kinds;
        const auto kindList = plugin->getArray("step_kinds");
        for (std::size_t k = 0; kindList && k < kindList->size(); ++k) {
            kinds += (k ? "," : "") + text(*kindList->getObject(static_cast<unsigned>(k)), "name");
        }
        table.add({text(*plugin, "id"), text(*plugin, "version"),
                   plugin->optValue<bool>("isolated", false) ? "yes" : "no", kinds, text(*plugin, "file")});
    }
    table.print(out);
}

}  // namespace orderhost::cli
