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

    // The key whose value opens a brace and never closes it (ODBC then reads the rest of the
    // string as that value, a password after it included); empty when every brace closes.
    const std::string& unclosedBraceKey() const { return unclosedBraceKey_; }

    // Replaces every occurrence of this string's secrets in `text` (e.g. a driver's error
    // message that echoes the password) by "***".
    std::string scrub(std::string text) const;

private:
    std::vector<std::pair<std::string, std::string>> entries_;  // raw value, braces kept
    std::string unclosedBraceKey_;
};

}  // namespace orderhost::store
