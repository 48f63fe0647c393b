#include "host/plugins/PluginManifest.h"

#include "host/plugins/PluginText.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <regex>
#include <set>
#include <sstream>

namespace orderhost::plugins {
namespace {

// Far beyond any sane value: stops a corrupt length from reading gigabytes of memory.
constexpr std::size_t kMaxStringBytes = 64 * 1024;
constexpr std::uint32_t kMaxStepKinds = 256;

// Copies an oh_str, or explains why it cannot be read.
std::string copyString(const oh_str& s, const char* field, std::string& error) {
    if (s.len == 0) return {};
    if (s.ptr == nullptr) {
        error = std::string(field) + " has a NULL pointer with length " + std::to_string(s.len);
        return {};
    }
    if (s.len > kMaxStringBytes) {
        error = std::string(field) + " is " + std::to_string(s.len) + " bytes long (limit " +
                std::to_string(kMaxStringBytes) + ")";
        return {};
    }
    return std::string(s.ptr, s.len);
}

bool isValidId(const std::string& id) {
    static const std::regex pattern("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    return std::regex_match(id, pattern);
}

std::string readStepKind(const oh_step_kind* kind, std::uint32_t index, StepKindManifest& out) {
    const std::string where = "step_kinds[" + std::to_string(index) + "]";
    if (kind == nullptr) return where + " is NULL";
    // Any struct at least as large as its 1.0 form is readable (DESIGN.md, ABI rule 10);
    // fields added after 1.0 are read only behind OH_HAS_FIELD.
    if (kind->struct_size < OH_SIZE_1_0_STEP_KIND) {
        return where + ".struct_size is " + std::to_string(kind->struct_size) + " bytes; ABI 1.0 requires at least " +
               std::to_string(OH_SIZE_1_0_STEP_KIND);
    }
    std::string error;
    out.name = copyString(kind->name, (where + ".name").c_str(), error);
    out.description = cleanMessage(copyString(kind->description, (where + ".description").c_str(), error));
    out.configSchema = copyString(kind->config_schema, (where + ".config_schema").c_str(), error);
    if (!error.empty()) return error;
    if (!isValidId(out.name)) return where + ".name '" + out.name + "' is not a valid step kind name";
    if (kind->create == nullptr || kind->run == nullptr || kind->destroy == nullptr) {
        return where + " ('" + out.name + "') lacks create, run or destroy";
    }
    out.category = kind->category;
    out.flags = kind->flags;
    out.canCompensate = kind->compensate != nullptr;
    return {};
}

std::string readStepKinds(const oh_plugin_info* info, PluginManifest& out) {
    if (info->step_kind_count == 0) return "the plugin declares no step kinds";
    if (info->step_kind_count > kMaxStepKinds) {
        return "step_kind_count is " + std::to_string(info->step_kind_count) + " (limit " +
               std::to_string(kMaxStepKinds) + ")";
    }
    if (info->step_kinds == nullptr) return "step_kinds is NULL but step_kind_count is not 0";
    std::set<std::string> seen;
    for (std::uint32_t i = 0; i < info->step_kind_count; ++i) {
        StepKindManifest kind;
        if (auto error = readStepKind(info->step_kinds[i], i, kind); !error.empty()) return error;
        if (!seen.insert(kind.name).second) return "step kind '" + kind.name + "' is declared twice";
        out.stepKinds.push_back(std::move(kind));
    }
    return {};
}

}  // namespace

std::string readManifest(const oh_plugin_info* info, PluginManifest& out) {
    if (info == nullptr) {
        return "the entry function returned NULL: the plugin refused this host (ABI " + std::to_string(OH_ABI_MAJOR) +
               "." + std::to_string(OH_ABI_MINOR) + ")";
    }
    if (info->struct_size < OH_SIZE_1_0_PLUGIN_INFO) {
        return "oh_plugin_info.struct_size is " + std::to_string(info->struct_size) +
               " bytes; ABI 1.0 requires at least " + std::to_string(OH_SIZE_1_0_PLUGIN_INFO);
    }
    out.abiMajor = info->abi_major;
    out.abiMinor = info->abi_minor;
    if (info->abi_major != OH_ABI_MAJOR) {
        return "ABI major version mismatch: oh_plugin_info.abi_major is " + std::to_string(info->abi_major) +
               " (plugin built for ABI " + std::to_string(info->abi_major) + "." + std::to_string(info->abi_minor) +
               "), this host speaks ABI " + std::to_string(OH_ABI_MAJOR) + ".x";
    }
    std::string error;
    out.id = copyString(info->id, "id", error);
    // Shown by `plugins inspect`, logs and GET /v1/plugins: valid UTF-8, no terminal escapes.
    out.version = cleanMessage(copyString(info->version, "version", error));
    out.vendor = cleanMessage(copyString(info->vendor, "vendor", error));
    out.description = cleanMessage(copyString(info->description, "description", error));
    if (!error.empty()) return error;
    if (!isValidId(out.id)) return "plugin id '" + out.id + "' is empty or has invalid characters";
    if (auto error = readStepKinds(info, out); !error.empty()) return error;
    // Bits a 1.0 plugin set were "unknown, ignored" when it was built: only a 1.1 plugin means
    // OH_STEP_NO_EXTERNAL_EFFECTS (the engine may batch such steps; a stray bit must not).
    if (out.abiMinor < 1) {
        for (auto& kind : out.stepKinds) kind.flags &= ~OH_STEP_NO_EXTERNAL_EFFECTS;
    }
    // Likewise OH_STEP_ANSWERS_QUOTES from a plugin built before 1.2: its oh_step_call has no
    // mode, so a "quote" would be a real run with real effects.
    if (out.abiMinor < 2) {
        for (auto& kind : out.stepKinds) kind.flags &= ~OH_STEP_ANSWERS_QUOTES;
    }
    // Bits this host does not know (a later minor's) are ignored, and so not kept or shown.
    constexpr std::uint32_t kKnownFlags = OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS | OH_STEP_ANSWERS_QUOTES;
    for (auto& kind : out.stepKinds) kind.flags &= kKnownFlags;
    return {};
}

std::string categoryName(std::int32_t category) {
    static const char* const names[] = {"other",   "validation",   "credit",       "sourcing",    "manufacturing",
                                        "billing", "payment",      "provisioning", "preparation", "shipping",
                                        "returns", "notification", "publication"};
    if (category < 0 || category >= static_cast<std::int32_t>(std::size(names))) return "other";
    return names[category];
}

std::string PluginManifest::toJson() const {
    Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
    root.set("file", file);
    root.set("id", id);
    root.set("version", version);
    root.set("vendor", vendor);
    root.set("description", description);
    root.set("abi_major", abiMajor);
    root.set("abi_minor", abiMinor);
    Poco::JSON::Array kinds;
    for (const auto& kind : stepKinds) {
        Poco::JSON::Object k(Poco::JSON_PRESERVE_KEY_ORDER);
        k.set("name", kind.name);
        k.set("category", categoryName(kind.category));
        k.set("category_code", kind.category);
        k.set("description", kind.description);
        k.set("config_schema", kind.configSchema);
        k.set("thread_safe", (kind.flags & OH_STEP_THREAD_SAFE) != 0);
        k.set("no_external_effects", (kind.flags & OH_STEP_NO_EXTERNAL_EFFECTS) != 0);
        k.set("answers_quotes", (kind.flags & OH_STEP_ANSWERS_QUOTES) != 0);
        k.set("flags", kind.flags);
        k.set("compensates", kind.canCompensate);
        kinds.add(k);
    }
    root.set("step_kinds", kinds);
    std::ostringstream out;
    root.stringify(out);
    return out.str();
}

PluginManifest PluginManifest::fromJson(const std::string& json) {
    Poco::JSON::Parser parser;
    auto root = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
    PluginManifest m;
    m.file = root->getValue<std::string>("file");
    m.id = root->getValue<std::string>("id");
    m.version = root->getValue<std::string>("version");
    m.vendor = root->getValue<std::string>("vendor");
    m.description = root->getValue<std::string>("description");
    m.abiMajor = root->getValue<int>("abi_major");
    m.abiMinor = root->getValue<int>("abi_minor");
    auto kinds = root->getArray("step_kinds");
    for (std::size_t i = 0; kinds && i < kinds->size(); ++i) {
        auto k = kinds->getObject(static_cast<unsigned>(i));
        StepKindManifest kind;
        kind.name = k->getValue<std::string>("name");
        kind.category = k->getValue<std::int32_t>("category_code");
        kind.description = k->getValue<std::string>("description");
        kind.configSchema = k->getValue<std::string>("config_schema");
        kind.flags = k->getValue<std::uint32_t>("flags");
        kind.canCompensate = k->getValue<bool>("compensates");
        m.stepKinds.push_back(std::move(kind));
    }
    return m;
}

}  // namespace orderhost::plugins
