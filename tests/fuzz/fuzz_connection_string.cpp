// Fuzz target: ODBC connection strings from the host configuration (host/store/ConnectionString).
//
// Invariants: masked() never shows a password the string holds, and its masked entries read
// back as "***"; scrub() removes every password from a text that quotes it (for passwords
// without '*', which the mask itself is made of); str() reads back to the same entries (unless a
// brace is left open, "}}" being a literal '}': then the value runs to the end, and a second read
// appends the ';'; the host refuses such a string, store::Database);
// no "Pwd=" entry of masked() shows anything but "***" (a misbraced value swallowed one);
// setDefault never overrides the operator's value.
#include "host/store/ConnectionString.h"
#include "tests/fuzz/FuzzCheck.h"

#include <cctype>
#include <cstdint>

using orderhost::store::ConnectionString;

namespace {

// True when `masked` has a "Pwd=" or "Password=" entry (at its start or after a ';', spaces
// allowed around the name) whose value is not "***".
bool showsAPassword(const std::string& masked) {
    std::string text;
    for (const char c : masked) text += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::size_t start = 0; start <= text.size();) {
        std::size_t at = text.find_first_not_of(" \t", start);
        for (const std::string name : {"pwd", "password"}) {
            if (at == std::string::npos || text.compare(at, name.size(), name) != 0) continue;
            std::size_t eq = text.find_first_not_of(" \t", at + name.size());
            if (eq == std::string::npos || text[eq] != '=') continue;
            const std::size_t value = text.find_first_not_of(" \t", eq + 1);
            if (value == std::string::npos || text.compare(value, 3, "***") != 0) return true;
        }
        const std::size_t semicolon = text.find(';', start);
        if (semicolon == std::string::npos) break;
        start = semicolon + 1;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const ConnectionString cs(text);
    const std::string masked = cs.masked();
    for (const char* key : {"Pwd", "Password"}) {
        const std::optional<std::string> secret = cs.get(key);
        if (!secret) continue;
        const ConnectionString reread(masked);
        FUZZ_CHECK(reread.get(key).value_or("***") == "***", "masked() reads back with a password");
        if (secret->size() >= 4 && secret->find('*') == std::string::npos) {
            const std::string quoted = "driver said: bad password '" + *secret + "' for user";
            FUZZ_CHECK(cs.scrub(quoted).find(*secret) == std::string::npos, "scrub() left the password in a message");
        }
    }
    if (cs.misbracedKey().empty()) {
        const ConnectionString again(cs.str());
        FUZZ_CHECK(again.str() == cs.str(), "str() does not read back to itself: " + cs.str() + " -> " + again.str());
    }
    FUZZ_CHECK(!showsAPassword(masked), "masked() shows a password: " + masked);
    ConnectionString withDefault = cs;
    withDefault.setDefault("SyncPragma", "FULL");
    FUZZ_CHECK(withDefault.get("SyncPragma") == (cs.get("SyncPragma") ? cs.get("SyncPragma") : std::string("FULL")),
               "setDefault overrode the operator's value");
    return 0;
}
