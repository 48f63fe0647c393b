// Fuzz target: the SQL a plugin runs through orderhost.db (host/services: SqlText's tokenizer
// and scanners, StatementPolicy's refusals).
//
// Invariants: tokens are well formed (words upper-case [A-Z0-9_$], starting with a letter or
// '_'; symbols one non-space character) and appear in the input in order, within its bounds (a
// word case-insensitively), so the tokenizer never invents or reorders text; leading
// whitespace changes no token; placeholder offsets point at '?' in increasing order;
// splitStatements gives trimmed, non-empty pieces of the script in order; and a statement
// refused on a datasource is refused on the host's database too (the host's is stricter).
#include "host/services/SqlText.h"
#include "host/services/StatementPolicy.h"
#include "tests/fuzz/FuzzCheck.h"

#include <cctype>
#include <cstdint>

using namespace orderhost::services;

namespace {

bool sameLetters(char a, char b) {
    return std::toupper(static_cast<unsigned char>(a)) == std::toupper(static_cast<unsigned char>(b));
}

// Finds `word` in `sql` at or after `from`, comparing case-insensitively; npos when absent.
std::size_t findWord(std::string_view sql, const std::string& word, std::size_t from) {
    for (std::size_t at = from; at + word.size() <= sql.size(); ++at) {
        std::size_t k = 0;
        while (k < word.size() && sameLetters(sql[at + k], word[k])) ++k;
        if (k == word.size()) return at;
    }
    return std::string_view::npos;
}

void checkTokens(std::string_view sql, const std::vector<SqlToken>& tokens) {
    std::size_t cursor = 0;
    for (const SqlToken& token : tokens) {
        if (token.kind == SqlToken::Kind::Word) {
            FUZZ_CHECK(!token.text.empty() &&
                           (std::isupper(static_cast<unsigned char>(token.text[0])) || token.text[0] == '_'),
                       "a word that does not start with a letter or '_': " + token.text);
            for (const char c : token.text)
                FUZZ_CHECK(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
                               c == '_' || c == '$',
                           "a word with a character outside [A-Z0-9_$]: " + token.text);
            const std::size_t at = findWord(sql, token.text, cursor);
            FUZZ_CHECK(at != std::string_view::npos, "word " + token.text + " not found in order in the input");
            cursor = at + token.text.size();
        } else if (token.kind == SqlToken::Kind::Symbol) {
            FUZZ_CHECK(token.text.size() == 1 && !std::isspace(static_cast<unsigned char>(token.text[0])),
                       "a symbol that is not one non-space character");
            const std::size_t at = sql.find(token.text[0], cursor);
            FUZZ_CHECK(at != std::string_view::npos, "symbol " + token.text + " not found in order in the input");
            cursor = at + 1;
        } else if (token.kind == SqlToken::Kind::Literal) {
            FUZZ_CHECK(token.text.empty(), "a literal that keeps its text");
        } else {
            FUZZ_CHECK(token.kind == SqlToken::Kind::Identifier, "a token of an unknown kind");
            FUZZ_CHECK(token.text.size() <= sql.size(), "an identifier longer than the input");
        }
    }
}

bool sameTokens(const std::vector<SqlToken>& a, const std::vector<SqlToken>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].kind != b[i].kind || a[i].text != b[i].text) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view sql(reinterpret_cast<const char*>(data), size);
    const std::vector<SqlToken> tokens = tokenize(sql);
    checkTokens(sql, tokens);
    FUZZ_CHECK(sameTokens(tokenize(" \n\t" + std::string(sql)), tokens), "leading whitespace changed the tokens");

    std::size_t previous = 0;
    bool first = true;
    for (const std::size_t offset : placeholderOffsets(sql)) {
        FUZZ_CHECK(offset < sql.size() && sql[offset] == '?', "a placeholder offset not at a '?'");
        FUZZ_CHECK(first || offset > previous, "placeholder offsets not increasing");
        previous = offset;
        first = false;
    }
    const std::string keyword = firstKeyword(sql);
    for (const char c : keyword) FUZZ_CHECK(c >= 'A' && c <= 'Z', "firstKeyword with a non-letter: " + keyword);

    std::size_t cursor = 0;
    for (const std::string& statement : splitStatements(sql)) {
        const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
        FUZZ_CHECK(!statement.empty() && !blank(statement.front()) && !blank(statement.back()),
                   "a statement that is empty or not trimmed");
        const std::size_t at = sql.find(statement, cursor);
        FUZZ_CHECK(at != std::string_view::npos, "a statement that is not a piece of the script, in order");
        cursor = at + statement.size();
    }

    const std::string onDatasource = statementRefusal(sql, false);
    const std::string onHost = statementRefusal(sql, true);
    FUZZ_CHECK(onDatasource.empty() || !onHost.empty(), "refused on a datasource but allowed on the host's database");
    return 0;
}
