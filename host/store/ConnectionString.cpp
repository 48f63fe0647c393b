#include "host/store/ConnectionString.h"

#include <algorithm>
#include <cctype>

namespace orderhost::store {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool isSecretKey(const std::string& key) {
    const std::string k = lower(key);
    return k == "pwd" || k == "password";
}

// A braced value holding "…; Pwd =" swallowed a password entry: its brace closes too late.
bool swallowsASecret(const std::string& value) {
    const std::string v = lower(value);
    for (auto at = v.find(';'); at != std::string::npos; at = v.find(';', at + 1)) {
        auto key = v.find_first_not_of(" \t", at + 1);
        if (key == std::string::npos) return false;
        for (const std::string name : {"pwd", "password"}) {
            if (v.compare(key, name.size(), name) != 0) continue;
            const auto eq = v.find_first_not_of(" \t", key + name.size());
            if (eq != std::string::npos && v[eq] == '=') return true;
        }
    }
    return false;
}

std::string unbrace(const std::string& v) {
    if (v.size() >= 2 && v.front() == '{' && v.back() == '}') return v.substr(1, v.size() - 2);
    return v;
}

}  // namespace

ConnectionString::ConnectionString(const std::string& text) {
    // ODBC allows ';' inside braced values ("Pwd={a;b}"), so split by hand.
    std::size_t pos = 0;
    while (pos < text.size()) {
        // Empty segments (";;", a trailing ";" before an appended "Key=Value") name nothing.
        while (pos < text.size() && (text[pos] == ';' || text[pos] == ' ' || text[pos] == '\t')) ++pos;
        if (pos >= text.size()) break;
        const auto eq = text.find('=', pos);
        if (eq == std::string::npos) break;
        // A segment without '=' ("sslmode;") names nothing: its key must not run on into the
        // next one, or "sslmode;Pwd" would be a key and its password shown unmasked.
        const auto semicolon = text.find(';', pos);
        if (semicolon < eq) {
            pos = semicolon + 1;
            continue;
        }
        std::string key = trim(text.substr(pos, eq - pos));
        std::size_t end = eq + 1;
        while (end < text.size() && (text[end] == ' ' || text[end] == '\t')) ++end;
        if (end < text.size() && text[end] == '{') {
            // "}}" inside braces is a literal '}' (ODBC's escape), not the end of the value.
            std::size_t close = text.find('}', end);
            while (close != std::string::npos && close + 1 < text.size() && text[close + 1] == '}')
                close = text.find('}', close + 2);
            end = close == std::string::npos ? text.size() : close + 1;
            const bool misbraced =
                close == std::string::npos || (!isSecretKey(key) && swallowsASecret(text.substr(eq + 1, end - eq - 1)));
            if (misbraced && misbracedKey_.empty()) misbracedKey_ = key.empty() ? "?" : key;
            if (misbraced && !key.empty()) misbracedEntries_.push_back(entries_.size());
        }
        end = std::min(text.find(';', end), text.size());
        if (!key.empty()) entries_.emplace_back(key, trim(text.substr(eq + 1, end - eq - 1)));
        pos = end + 1;
    }
}

std::string ConnectionString::misbracedProblem() const {
    if (misbracedKey_.empty()) return {};
    return "the value of '" + misbracedKey_ +
           "' opens '{' and does not close it before the next key (it would swallow what follows, a password "
           "perhaps); inside braces a literal '}' is written '}}'";
}

std::optional<std::string> ConnectionString::get(const std::string& key) const {
    const std::string k = lower(key);
    for (const auto& [name, value] : entries_)
        if (lower(name) == k) return unbrace(value);
    return std::nullopt;
}

void ConnectionString::setDefault(const std::string& key, const std::string& value) {
    if (!get(key)) entries_.emplace_back(key, value);
}

std::string ConnectionString::str() const {
    std::string out;
    for (const auto& [name, value] : entries_) out += name + "=" + value + ";";
    return out;
}

std::string ConnectionString::masked() const {
    std::string out;
    // A misbraced value swallowed what follows it, which may be a password
    // ("Database={x;Pwd=secret"): it is masked whatever its key.
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        const auto& [name, value] = entries_[i];
        const bool misbraced =
            std::find(misbracedEntries_.begin(), misbracedEntries_.end(), i) != misbracedEntries_.end();
        out += name + "=" + (isSecretKey(name) || misbraced ? "***" : value) + ";";
    }
    return out;
}

std::string ConnectionString::scrub(std::string text) const {
    std::vector<std::string> secrets;
    for (const auto& [name, value] : entries_) {
        if (!isSecretKey(name)) continue;
        for (std::string secret : {value, unbrace(value)})
            if (!secret.empty()) secrets.push_back(std::move(secret));
    }
    if (secrets.empty()) return text;
    // One pass over the original text, longest secret first at each place: a "***" put in is
    // never searched again, so a password such as "*" cannot multiply the text (found by
    // tests/fuzz/fuzz_connection_string: each "Pwd=*" entry tripled the message).
    std::string out;
    out.reserve(text.size());
    for (std::size_t at = 0; at < text.size();) {
        std::size_t longest = 0;
        for (const std::string& secret : secrets)
            if (secret.size() > longest && text.compare(at, secret.size(), secret) == 0) longest = secret.size();
        if (longest > 0) {
            out += "***";
            at += longest;
        } else {
            out += text[at++];
        }
    }
    return out;
}

}  // namespace orderhost::store
