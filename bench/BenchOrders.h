// Orders the benchmarks feed the engine: a ~1 KB order of the shape OrderSchema accepts (six
// lines, an address), so that document costs are measured on something realistic.
#pragma once

#include <string>

namespace orderhost::bench {

inline std::string realisticOrder(const std::string& orderRef = "ERP-2026-000123") {
    std::string lines;
    for (int i = 1; i <= 6; ++i) {
        if (!lines.empty()) lines += ',';
        lines += R"({"sku":"SKU-10)" + std::to_string(i) + R"(","quantity":)" + std::to_string(i * 3) +
                 R"(,"unit_price":)" + std::to_string(1250 * i) +
                 R"(,"kind":"goods","description":"Stainless bracket, size )" + std::to_string(i) + R"("})";
    }
    return R"({"order_ref":")" + orderRef +
           R"(","currency":"EUR","customer":{"id":"C-4711",)"
           R"("name":"Ada Lovelace Engineering Ltd","email":"purchasing@lovelace.example"},)"
           R"("lines":[)" +
           lines +
           R"(],"shipping_address":{"name":"Receiving dock 3",)"
           R"("line1":"12 Analytical Row","city":"London","postal_code":"EC1A 1BB","country":"GB"},)"
           R"("attributes":{"erp_channel":"edi","priority":"normal"}})";
}

}  // namespace orderhost::bench
