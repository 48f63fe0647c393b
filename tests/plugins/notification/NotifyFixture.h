// Shared by the notification plugin's test-kit tests: orders, and configs over a sink.
#pragma once

#include <orderhost/testkit.hpp>

#include <string>

namespace orderhost::testing {

// An order as the validation step leaves it: lines with totals, /totals.
inline std::string notifyOrder(const std::string& language = "", const std::string& email = "ada@example.com") {
    std::string attributes = language.empty() ? "" : R"(,"attributes":{"language":")" + language + R"("})";
    std::string customer = email.empty() ? R"({"id":"C-1","name":"Ada"})"
                                         : R"({"id":"C-1","name":"Ada Lovelace","email":")" + email + R"("})";
    return R"({"order_ref":"ERP-7","currency":"EUR","customer":)" + customer +
           R"(,"lines":[{"sku":"BOLT-M8","quantity":100,"unit_price":25,"total":2500},)"
           R"({"sku":"DRILL-18V","quantity":1,"unit_price":8999,"total":8999}],)"
           R"("totals":{"net":11499,"items":2,"currency":"EUR"})" +
           attributes + "}";
}

inline std::string emailConfig(unsigned short port, const std::string& event = "order-confirmation",
                               const std::string& extra = "") {
    return R"({"event":")" + event +
           R"(","channel":"email","templates_dir":")" ORDERHOST_TEMPLATES_DIR R"(",)"
           R"("smtp":{"host":"127.0.0.1","port":)" +
           std::to_string(port) + R"(,"from":"orders@shop.example","from_name":"Shop","timeout_ms":5000)" + extra +
           "}}";
}

}  // namespace orderhost::testing
