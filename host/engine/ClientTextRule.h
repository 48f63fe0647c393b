// The rule for text a client sends to be stored with an order (a cancel's reason, a return's
// return_ref, a manual action's note): see clientTextProblem.
#pragma once

#include "host/document/Utf8.h"

#include <algorithm>
#include <cstddef>
#include <string>

namespace orderhost::engine {

// Client text stored in the document, the step history and events, and echoed in replies: the
// parser has made sure it is UTF-8; the rule of other client text (api.md) adds no control
// characters but tab and line breaks, and a bound (refused, not cut: a cut could split a
// character). Empty when `text` is fine, else what is wrong and where.
inline std::string clientTextProblem(const std::string& member, const std::string& text, std::size_t maxBytes) {
    if (text.size() > maxBytes)
        return "\"" + member + "\" is " + std::to_string(text.size()) + " bytes; at most " + std::to_string(maxBytes);
    const auto control = std::find_if(text.begin(), text.end(), [](char ch) {
        const auto u = static_cast<unsigned char>(ch);
        return (u < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || u == 0x7F;
    });
    if (control == text.end()) {
        if (const std::size_t at = document::findC1Control(text); at != std::string::npos)
            return "\"" + member + "\" contains a C1 control character (U+0080 to U+009F) at byte " +
                   std::to_string(at);
        return "";
    }
    const auto u = static_cast<unsigned char>(*control);
    return "\"" + member + "\" contains the control character U+00" + std::string(1, "0123456789ABCDEF"[u >> 4]) +
           std::string(1, "0123456789ABCDEF"[u & 0xF]) + " at byte " + std::to_string(control - text.begin());
}

}  // namespace orderhost::engine
