// A per-thread memo of a pure function of a statement's text (its tokens, whether the policy
// refuses it, whether it returns rows). Plugins send the same few statement texts over and
// over, and lexing them again for every call was 6 % of the host's CPU per order
// (docs/performance.md, "Statement handles and statement text").
//
//   static thread_local TextMemo<bool> memo;
//   const bool returning = memo.get(sql, [&] { return hasReturning(sql); });
//
// Bounded: past kMaxEntries texts (statements built per call) it starts afresh, and texts
// over kMaxTextBytes are not kept at all.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace orderhost::services {

template <class Value>
class TextMemo {
public:
    static constexpr std::size_t kMaxEntries = 512;

    static constexpr std::size_t kMaxTextBytes = 4096;  // longer texts (built per call) are not kept

    template <class Compute>
    Value get(std::string_view text, Compute&& compute) {
        if (text.size() > kMaxTextBytes) return compute();
        if (auto it = values_.find(text); it != values_.end()) return it->second;
        if (values_.size() >= kMaxEntries) values_.clear();
        Value value = compute();
        values_.emplace(std::string(text), value);
        return value;
    }

private:
    std::map<std::string, Value, std::less<>> values_;  // std::less<>: found by string_view
};

}  // namespace orderhost::services
