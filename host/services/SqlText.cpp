#include "host/services/SqlText.h"

#include <cctype>

namespace orderhost::services {
namespace {

// Calls code(offset) for every byte outside quotes and comments; returns nothing.
template <class Code>
void scanCode(std::string_view sql, Code code) {
    std::size_t i = 0;
    while (i < sql.size()) {
        const char c = sql[i];
        if (c == '\'' || c == '"') {
            // A doubled quote inside ('it''s') simply ends and restarts the literal.
            const std::size_t end = sql.find(c, i + 1);
            i = end == std::string_view::npos ? sql.size() : end + 1;
        } else if (c == '-' && sql.substr(i, 2) == "--") {
            const std::size_t end = sql.find('\n', i);
            i = end == std::string_view::npos ? sql.size() : end + 1;
        } else if (c == '/' && sql.substr(i, 2) == "/*") {
            const std::size_t end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? sql.size() : end + 2;
        } else {
            code(i);
            ++i;
        }
    }
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

// True when `sql` holds more than whitespace and comments.
bool hasCode(std::string_view sql) {
    bool found = false;
    scanCode(sql, [&](std::size_t i) {
        if (!std::isspace(static_cast<unsigned char>(sql[i]))) found = true;
    });
    return found;
}

}  // namespace

std::vector<std::size_t> placeholderOffsets(std::string_view sql) {
    std::vector<std::size_t> offsets;
    scanCode(sql, [&](std::size_t i) {
        if (sql[i] == '?') offsets.push_back(i);
    });
    return offsets;
}

std::string firstKeyword(std::string_view sql) {
    std::string word;
    bool ended = false;
    scanCode(sql, [&](std::size_t i) {
        const auto c = static_cast<unsigned char>(sql[i]);
        if (ended) return;
        if (std::isalpha(c)) word.push_back(static_cast<char>(std::toupper(c)));
        else if (!word.empty() || !std::isspace(c)) ended = true;
    });
    return word;
}

std::vector<std::string> splitStatements(std::string_view script) {
    std::vector<std::string> statements;
    std::size_t start = 0;
    auto take = [&](std::size_t end) {
        const std::string_view statement = trim(script.substr(start, end - start));
        if (hasCode(statement)) statements.emplace_back(statement);
        start = end + 1;
    };
    scanCode(script, [&](std::size_t i) {
        if (script[i] == ';') take(i);
    });
    take(script.size());
    return statements;
}

}  // namespace orderhost::services
