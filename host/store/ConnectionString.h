// ODBC connection strings ("Key=Value;Key={va;lue};"): parse, fill in defaults, and mask
// secrets so a connection string can appear in error messages and logs.
//
//   ConnectionString cs("Driver=SQLite3;Database=/var/lib/orderhost.db;");
//   cs.setDefault("SyncPragma", "FULL");
//   cs.masked();   // passwords replaced by "***"
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace orderhost::store {

class ConnectionString {
public:
    explicit ConnectionString(const std::string& text);

    // Value of a key (case-insensitive), braces removed; nullopt when absent.
    std::optional<std::string> get(const std::string& key) const;
    // Adds key=value unless the key is already present (the operator's choice wins).
    void setDefault(const std::string& key, const std::string& value);

    std::string str() const;     // the full string, secrets included: only for the driver
    std::string masked() const;  // Pwd / Password values replaced by "***"

    // The key whose braced value is misplaced: its '{' never closes (ODBC then reads the rest of
    // the string as that value), or it closes only after a "Pwd=" (a '}' is missing before it).
    // Either way the value swallowed what follows, a password included: masked() hides it and
    // the host refuses the string. Empty when the braces are in order.
    const std::string& misbracedKey() const { return misbracedKey_; }
    // What is wrong with the braces, for an error message (no value in it); empty when nothing.
    std::string misbracedProblem() const;

    // Replaces every occurrence of this string's secrets in `text` (e.g. a driver's error
    // message that echoes the password) by "***".
    std::string scrub(std::string text) const;

private:
    std::vector<std::pair<std::string, std::string>> entries_;  // raw value, braces kept
    std::string misbracedKey_;                                  // the first one, for the message
    std::vector<std::size_t> misbracedEntries_;                 // every one, masked whole
};

}  // namespace orderhost::store
