#include "host/chains/ChainFileParser.h"

#include "host/chains/Condition.h"
#include "host/chains/YamlToJson.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

namespace orderhost::chains {

namespace {

using YAML::Node;

bool isNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
bool isIdChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

// Reads the mapping of one chain file into a ChainDefinition, collecting every error.
class ChainReader {
public:
    ChainReader(const std::string& file, std::vector<ChainError>& errors)
        : file_(file), errors_(errors), json_(file, errors) {}

    void readChain(const Node& root, ChainDefinition& chain) {
        chain.location = locationOf(root.Mark(), file_);
        static const std::vector<Field<ChainDefinition>> fields = {
            {"name", true, &ChainReader::chainName},
            {"version", true, &ChainReader::chainVersion},
            {"trigger", true, &ChainReader::chainTrigger},
            {"description", false, &ChainReader::chainDescription},
            {"steps", true, &ChainReader::chainSteps},
            {"cancellable_until", false, &ChainReader::chainCancellableUntil},
        };
        readMapping(root, "the chain", fields, chain);
        const bool named = std::any_of(chain.steps.begin(), chain.steps.end(),
                                       [&](const StepDefinition& step) { return step.name == chain.cancellableUntil; });
        if (cancellableUntilNode_ && !chain.cancellableUntil.empty() && !named)
            error(*cancellableUntilNode_,
                  "\"cancellable_until\" names no step of this chain: \"" + chain.cancellableUntil + "\"");
    }

private:
    // One row of a field table: adding a field to the format is adding a row.
    template <typename Target>
    struct Field {
        const char* name;
        bool required;
        void (ChainReader::*read)(const Node& value, Target& target);
    };

    template <typename Target>
    void readMapping(const Node& map, const std::string& what, const std::vector<Field<Target>>& fields,
                     Target& target) {
        std::map<std::string, int> seenAtLine;
        for (auto it = map.begin(); it != map.end(); ++it) {
            // Copies: yaml-cpp's iterator hands out a temporary pair, so a reference to
            // it->first dangles (AddressSanitizer caught it). Nodes are cheap handles.
            const Node key = it->first;
            const Node value = it->second;
            if (!key.IsScalar()) {
                error(key, "field names in " + what + " must be plain words, got " + describeNode(key));
                continue;
            }
            const auto [first, isNew] = seenAtLine.emplace(key.Scalar(), locationOf(key.Mark(), file_).line);
            if (!isNew) {
                error(key, "duplicate field \"" + key.Scalar() + "\" (first given at line " +
                               std::to_string(first->second) + ")");
                continue;
            }
            const auto field = std::find_if(fields.begin(), fields.end(),
                                            [&](const Field<Target>& f) { return key.Scalar() == f.name; });
            if (field == fields.end()) {
                error(key, "unknown field \"" + key.Scalar() + "\" in " + what + "; allowed fields: " + names(fields));
                continue;
            }
            const Node* outerKey = std::exchange(currentKey_, &key);
            (this->*(field->read))(value, target);
            currentKey_ = outerKey;
        }
        for (const Field<Target>& field : fields)
            if (field.required && !seenAtLine.count(field.name))
                error(map, what + " is missing the required field \"" + field.name + "\"");
    }

    template <typename Target>
    static std::string names(const std::vector<Field<Target>>& fields) {
        std::string list;
        for (const Field<Target>& field : fields) list += (list.empty() ? "" : ", ") + std::string(field.name);
        return list;
    }

    void error(const Node& node, const std::string& message) {
        // yaml-cpp marks an empty value ("name:") at the NEXT token, often on another line;
        // the key is where the administrator has to look.
        const Node& at = node.IsNull() && currentKey_ ? *currentKey_ : node;
        errors_.push_back(ChainError{locationOf(at.Mark(), file_), message});
    }

    // Any non-null scalar, as written.
    bool text(const Node& value, const char* field, std::string& out) {
        if (!value.IsScalar() || resolveScalar(value).kind == ScalarKind::Null) {
            error(value, std::string("\"") + field + "\" must be a string, got " + describeNode(value));
            return false;
        }
        out = value.Scalar();
        return true;
    }

    // A string of 1..maxLength characters from `allowed`.
    bool word(const Node& value, const char* field, std::size_t maxLength, bool (*allowed)(char),
              const char* allowedText, std::string& out) {
        if (!text(value, field, out)) return false;
        if (out.empty() || out.size() > maxLength || !std::all_of(out.begin(), out.end(), allowed)) {
            // Long values are shown cut, on a UTF-8 character boundary, and say so.
            std::size_t shown = std::min<std::size_t>(out.size(), 80);
            while (shown < out.size() && shown > 0 && (static_cast<unsigned char>(out[shown]) & 0xC0) == 0x80) --shown;
            const std::string cut = shown < out.size() ? "\"... (" + std::to_string(out.size()) + " bytes)" : "\"";
            error(value, std::string("\"") + field + "\" must be 1 to " + std::to_string(maxLength) + " of " +
                             allowedText + ", got \"" + out.substr(0, shown) + cut);
            return false;
        }
        return true;
    }

    void integer(const Node& value, const char* field, int minimum, int maximum, int& out) {
        const ResolvedScalar scalar = value.IsScalar() || value.IsNull() ? resolveScalar(value) : ResolvedScalar{};
        if (!(value.IsScalar() || value.IsNull()) || scalar.kind != ScalarKind::Integer || !scalar.error.empty()) {
            error(value, std::string("\"") + field + "\" must be an integer, got " + describeNode(value));
        } else if (scalar.integer < minimum || scalar.integer > maximum) {
            error(value, std::string("\"") + field + "\" must be between " + std::to_string(minimum) + " and " +
                             std::to_string(maximum) + ", got " + scalar.text);
        } else {
            out = static_cast<int>(scalar.integer);
        }
    }

    void chainName(const Node& value, ChainDefinition& chain) {
        word(value, "name", 64, isNameChar, "lowercase letters, digits and '-'", chain.name);
    }

    void chainVersion(const Node& value, ChainDefinition& chain) {
        integer(value, "version", 1, INT_MAX, chain.version);
    }

    void chainTrigger(const Node& value, ChainDefinition& chain) {
        std::size_t index = std::size(kChainTriggers);  // stays out of range on an error
        choice(value, "trigger", kChainTriggers, index);
        if (index < std::size(kChainTriggers)) chain.trigger = kChainTriggers[index];
    }

    void chainDescription(const Node& value, ChainDefinition& chain) { text(value, "description", chain.description); }

    void chainCancellableUntil(const Node& value, ChainDefinition& chain) {
        cancellableUntilNode_ = value;
        if (!word(value, "cancellable_until", 64, isNameChar, "lowercase letters, digits and '-' (a step name)",
                  chain.cancellableUntil))
            chain.cancellableUntil.clear();  // reported once, not again as an unknown step
    }

    void chainSteps(const Node& value, ChainDefinition& chain) {
        if (!value.IsSequence())
            return error(value, "\"steps\" must be a sequence of steps, got " + describeNode(value));
        if (value.size() == 0) return error(value, "\"steps\" is empty: a chain needs at least one step");
        if (value.size() > kMaxChainSteps)
            return error(value, "a chain may have at most " + std::to_string(kMaxChainSteps) + " steps");
        for (std::size_t i = 0; i < value.size(); ++i) {
            const Node item = value[i];
            if (!item.IsMap()) {
                error(item, "each step must be a mapping (name:, plugin:, step:), got " + describeNode(item));
                continue;
            }
            chain.steps.push_back(readStep(item, i + 1));
        }
    }

    StepDefinition readStep(const Node& item, std::size_t number) {
        static const std::vector<Field<StepDefinition>> fields = {
            {"name", true, &ChainReader::stepName},
            {"plugin", true, &ChainReader::stepPlugin},
            {"step", true, &ChainReader::stepKind},
            {"attempts", false, &ChainReader::stepAttempts},
            {"backoff_ms", false, &ChainReader::stepBackoff},
            {"max_backoff_ms", false, &ChainReader::stepMaxBackoff},
            {"timeout_ms", false, &ChainReader::stepTimeout},
            {"on_failure", false, &ChainReader::stepOnFailure},
            {"signal_timeout_ms", false, &ChainReader::stepSignalTimeout},
            {"on_signal_timeout", false, &ChainReader::stepOnSignalTimeout},
            {"commit", false, &ChainReader::stepCommit},
            {"config", false, &ChainReader::stepConfig},
            {"when", false, &ChainReader::stepWhen},
        };
        StepDefinition step;
        step.location = locationOf(item.Mark(), file_);
        step.configLocation = step.location;
        step.configJson = "{}";
        readMapping(item, "step " + std::to_string(number), fields, step);
        return step;
    }

    void stepName(const Node& value, StepDefinition& step) {
        if (!word(value, "name", 64, isNameChar, "lowercase letters, digits and '-'", step.name)) return;
        const int line = locationOf(value.Mark(), file_).line;
        const auto [first, isNew] = stepNameLines_.emplace(step.name, line);
        if (!isNew)
            error(value, "duplicate step name \"" + step.name + "\" (first used at line " +
                             std::to_string(first->second) + ")");
    }

    void stepPlugin(const Node& value, StepDefinition& step) {
        word(value, "plugin", 128, isIdChar, "letters, digits and . _ - (a plugin id)", step.plugin);
    }

    void stepKind(const Node& value, StepDefinition& step) {
        word(value, "step", 128, isIdChar, "letters, digits and . _ - (a step kind name)", step.stepKind);
    }

    void stepAttempts(const Node& value, StepDefinition& step) { integer(value, "attempts", 1, 100, step.attempts); }

    static constexpr int kDayMs = 86400000;
    void stepBackoff(const Node& value, StepDefinition& step) {
        integer(value, "backoff_ms", 0, kDayMs, step.backoffMs);
    }
    void stepMaxBackoff(const Node& value, StepDefinition& step) {
        integer(value, "max_backoff_ms", 1, kDayMs, step.maxBackoffMs);
    }

    static constexpr int kHourMs = 3600000;
    void stepTimeout(const Node& value, StepDefinition& step) {
        integer(value, "timeout_ms", 1, kHourMs, step.timeoutMs);
    }
    void stepSignalTimeout(const Node& value, StepDefinition& step) {
        integer(value, "signal_timeout_ms", 0, INT_MAX, step.signalTimeoutMs);
    }

    // One of `allowed` (by position, which the enum follows).
    template <typename Enum, std::size_t N>
    void choice(const Node& value, const char* field, const char* const (&allowed)[N], Enum& out) {
        std::string given;
        if (!text(value, field, given)) return;
        for (std::size_t i = 0; i < N; ++i)
            if (given == allowed[i]) return void(out = static_cast<Enum>(i));
        std::string list;
        for (const char* name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
        error(value, std::string("\"") + field + "\" must be one of " + list + ", got \"" + given.substr(0, 80) + "\"");
    }
    void stepOnFailure(const Node& value, StepDefinition& step) {
        choice(value, "on_failure", kFailurePolicies, step.onFailure);
    }
    void stepOnSignalTimeout(const Node& value, StepDefinition& step) {
        choice(value, "on_signal_timeout", kSignalTimeoutPolicies, step.onSignalTimeout);
    }
    void stepCommit(const Node& value, StepDefinition& step) { choice(value, "commit", kCommitPolicies, step.commit); }

    void stepConfig(const Node& value, StepDefinition& step) {
        step.configLocation = locationOf(value.Mark(), file_);
        // "config:" with nothing (or only comments) under it means no configuration.
        if (value.IsNull()) return;
        if (!value.IsMap()) return error(value, "\"config\" must be a mapping, got " + describeNode(value));
        if (auto json = json_.convert(value)) step.configJson = std::move(*json);
    }

    void stepWhen(const Node& value, StepDefinition& step) {
        step.when = readCondition(value, *currentKey_, file_, errors_);
    }

    const std::string& file_;
    std::vector<ChainError>& errors_;
    YamlToJson json_;  // one conversion budget for the whole file
    std::map<std::string, int> stepNameLines_;
    const Node* currentKey_ = nullptr;          // the key whose value is being read
    std::optional<Node> cancellableUntilNode_;  // checked once every step name is known
};

// Records where each document's root node starts, building nothing.
class DocumentStarts : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark&) override { awaitingRoot_ = true; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
        node(mark);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnMapEnd() override {}

    std::vector<YAML::Mark> marks;

private:
    void node(const YAML::Mark& mark) {
        if (awaitingRoot_) marks.push_back(mark);
        awaitingRoot_ = false;
    }
    bool awaitingRoot_ = false;
};

// The first document of a chain file, and where a second one starts if there is one.
struct LoadedFile {
    std::optional<Node> first;
    std::optional<YAML::Mark> second;
};

// Not YAML::LoadAll: on some malformed files (one that is just ",") yaml-cpp 0.7's parser
// reports empty documents forever, and LoadAll builds each of them until memory runs out
// (found by tests/fuzz/fuzz_chain_file). So the stream is walked as events for at most two
// documents, and only the first is built.
LoadedFile loadDocuments(std::string_view text, const std::string& file, std::vector<ChainError>& errors) {
    LoadedFile loaded;
    try {
        std::istringstream stream{std::string(text)};
        YAML::Parser parser(stream);
        DocumentStarts starts;
        std::size_t documents = 0;
        while (documents < 2 && parser.HandleNextDocument(starts)) ++documents;
        if (documents == 0) return loaded;
        loaded.first = YAML::Load(std::string(text));
        if (documents > 1) loaded.second = starts.marks.size() > 1 ? starts.marks[1] : YAML::Mark::null_mark();
    } catch (const YAML::DeepRecursion& e) {
        // yaml-cpp's own message for this is just "bad file".
        errors.push_back({locationOf(e.mark, file),
                          "YAML nests too deeply (more than " + std::to_string(e.depth() - 1) + " levels)"});
    } catch (const YAML::Exception& e) {
        errors.push_back({locationOf(e.mark, file), "YAML syntax error: " + e.msg});
    }
    return loaded;
}

}  // namespace

ChainParseResult parseChainText(std::string_view text, const std::string& fileNameForMessages) {
    ChainParseResult result;
    const std::string& file = fileNameForMessages;
    if (text.size() > kMaxChainFileBytes) {
        result.errors.push_back(
            {{file, 0, 0}, "the file is larger than " + std::to_string(kMaxChainFileBytes) + " bytes"});
        return result;
    }
    const LoadedFile loaded = loadDocuments(text, file, result.errors);
    if (!result.errors.empty()) return result;
    if (!loaded.first || loaded.first->IsNull()) {
        result.errors.push_back({{file, 1, 1}, "the file holds no chain definition"});
        return result;
    }
    const Node& root = *loaded.first;
    if (loaded.second) {
        result.errors.push_back(
            {locationOf(*loaded.second, file), "a chain file holds exactly one YAML document; found a second one"});
    }
    if (!root.IsMap()) {
        result.errors.push_back(
            {locationOf(root.Mark(), file),
             "a chain file must be a mapping (name:, version:, trigger:, steps:), got " + describeNode(root)});
        return result;
    }
    ChainDefinition chain;
    try {
        ChainReader(file, result.errors).readChain(root, chain);
    } catch (const YAML::Exception& e) {
        result.errors.push_back({locationOf(e.mark, file), "cannot read the YAML: " + e.msg});
    }
    if (result.errors.empty()) result.chain = std::move(chain);
    return result;
}

ChainParseResult parseChainFile(const std::filesystem::path& path) {
    const std::string file = path.string();
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > kMaxChainFileBytes) {
        return {std::nullopt,
                {{{file, 0, 0}, "the file is larger than " + std::to_string(kMaxChainFileBytes) + " bytes"}}};
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    if (!ec && in) content << in.rdbuf();
    if (ec || !in) return {std::nullopt, {{{file, 0, 0}, "cannot read the file"}}};
    return parseChainText(content.str(), file);
}

}  // namespace orderhost::chains
