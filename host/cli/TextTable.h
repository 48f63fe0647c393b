// A plain text table for terminals: a header row, columns as wide as their widest cell,
// two spaces between them, no trailing blanks (so `grep` and `awk '{print $1}'` work on it).
//
//   TextTable table({"ID", "STATE"});
//   table.add({order.id, order.state});
//   table.print(std::cout);
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace orderhost::cli {

class TextTable {
public:
    explicit TextTable(std::vector<std::string> header);

    void add(std::vector<std::string> row);
    bool empty() const { return rows_.size() <= 1; }
    void print(std::ostream& out) const;

private:
    std::vector<std::vector<std::string>> rows_;  // rows_[0] is the header
};

// "2026-12-01 00:04:01" (UTC) for milliseconds since the epoch.
std::string formatTime(long long epochMillis);

// Text from the host (plugin messages, notes) on one table line: control characters as spaces.
std::string oneLine(const std::string& text);

}  // namespace orderhost::cli
