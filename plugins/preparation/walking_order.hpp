// walking_order.hpp — the order in which a picker walks a warehouse's bins.
//
// Bin codes name a location as segments, aisle first: "A-03-2" is aisle A, bay 3, level 2
// ("A.3.2", "A/3/2" and "A 3 2" read the same). The walking order is a natural sort of the
// codes: segment by segment, aisle before bay before level; a numeric segment compares by value
// ("2" before "10", "03" equal to "3"), a text segment case-insensitively, and a numeric segment
// before a text one. So a picker walks aisle A bay 1..n, then aisle B, and never comes back.
// Codes that compare equal this way fall back to plain byte order, so the sort is total and
// the same on every host.
#ifndef ORDERHOST_PREPARATION_WALKING_ORDER_HPP
#define ORDERHOST_PREPARATION_WALKING_ORDER_HPP

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace preparation {

inline bool isBinSeparator(char c) { return c == '-' || c == '.' || c == '/' || c == ' ' || c == '_'; }
inline bool isDigit(char c) { return c >= '0' && c <= '9'; }

// The code's segments: runs of digits and runs of other characters, separators dropped
// ("A12-3" -> "A", "12", "3").
inline std::vector<std::string_view> binSegments(std::string_view code) {
    std::vector<std::string_view> segments;
    std::size_t i = 0;
    while (i < code.size()) {
        if (isBinSeparator(code[i])) {
            ++i;
            continue;
        }
        const bool digits = isDigit(code[i]);
        std::size_t end = i;
        while (end < code.size() && !isBinSeparator(code[end]) && isDigit(code[end]) == digits) ++end;
        segments.push_back(code.substr(i, end - i));
        i = end;
    }
    return segments;
}

// <0, 0, >0 like strcmp, for two segments as described in the file comment.
inline int compareSegment(std::string_view a, std::string_view b) {
    const bool numA = isDigit(a.front()), numB = isDigit(b.front());
    if (numA != numB) return numA ? -1 : 1;
    if (numA) {  // by value without converting: strip leading zeros, then length, then digits
        while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
        while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
        if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
        return a.compare(b);
    }
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        const int ca = std::tolower(static_cast<unsigned char>(a[i])),
                  cb = std::tolower(static_cast<unsigned char>(b[i]));
        if (ca != cb) return ca < cb ? -1 : 1;
    }
    return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

// True when bin `a` comes before bin `b` on the walk.
inline bool walksBefore(std::string_view a, std::string_view b) {
    const std::vector<std::string_view> sa = binSegments(a), sb = binSegments(b);
    for (std::size_t i = 0; i < sa.size() && i < sb.size(); ++i)
        if (const int c = compareSegment(sa[i], sb[i]); c != 0) return c < 0;
    if (sa.size() != sb.size()) return sa.size() < sb.size();
    return a < b;
}

}  // namespace preparation

#endif  // ORDERHOST_PREPARATION_WALKING_ORDER_HPP
