#include <orderhost/sdk/currency.hpp>

#include <gtest/gtest.h>

namespace {

TEST(SdkCurrency, KnowsIso4217CodesAndNothingElse) {
    for (const char* code : {"EUR", "USD", "JPY", "CHF", "AED", "ZWL"})
        EXPECT_TRUE(orderhost::sdk::isIsoCurrency(code)) << code;
    // Lower case, unknown, a metal, the testing code, "no currency", too short or too long.
    for (const char* code : {"eur", "ZZZ", "XAU", "XTS", "XXX", "EU", "EURO", ""})
        EXPECT_FALSE(orderhost::sdk::isIsoCurrency(code)) << code;
}

}  // namespace
