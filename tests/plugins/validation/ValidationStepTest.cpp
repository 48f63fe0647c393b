// orderhost.validation (plugins/validation), loaded from its .so by the test kit.
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace {

using orderhost::testkit::FakeHost;

// One create + run of "validate" on `order` with `config`.
FakeHost validate(const std::string& order, const std::string& config = "{}") {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(config).order(order);
    const oh_status created = host.create("validate");
    if (created == OH_STATUS_OK) {
        EXPECT_EQ(host.run(), OH_STATUS_OK) << host.reportedError();
    }
    return host;
}

std::string orderWithLines(const std::string& lines) {
    return R"({"order_ref":"ERP-1001","currency":"EUR","customer":{"id":"C-1","name":"Ada",
    "email":"ada@example.com"},"lines":)" +
           lines + R"(,"attributes":{}})";
}

constexpr char kCatalog[] = R"({"catalog":{"SKU-1":{"price":1999},"SKU-2":{"price":500},"SKU-3":{}}})";

TEST(ValidationStep, FillsPricesAndWritesTotals) {
    FakeHost host = validate(
        orderWithLines(R"([{"sku":"SKU-1","quantity":2,"unit_price":1999},{"sku":"SKU-2","quantity":3}])"), kCatalog);
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE) << host.result().message;
    EXPECT_EQ(host.orderJson("/lines/0/total"), "3998");
    EXPECT_EQ(host.orderJson("/lines/1/unit_price"), "500");
    EXPECT_EQ(host.orderJson("/lines/1/total"), "1500");
    EXPECT_EQ(host.orderJson("/totals/net"), "5498");
    EXPECT_EQ(host.orderJson("/totals/items"), "5");
    EXPECT_EQ(host.orderJson("/totals/currency"), "\"EUR\"");
}

struct Rejection {
    std::string lines;
    std::string config;
    std::string code;
    std::string in_message;
};

// Short names in test listings (gtest_discover_tests puts GetParam() in the test name).
void PrintTo(const Rejection& c, std::ostream* os) { *os << c.code; }

class ValidationRejects : public ::testing::TestWithParam<Rejection> {};

TEST_P(ValidationRejects, WithCodeAndMessageAndNoWrites) {
    const Rejection& c = GetParam();
    FakeHost host = validate(orderWithLines(c.lines), c.config);
    EXPECT_EQ(host.result().kind, OH_OUTCOME_REJECT);
    EXPECT_TRUE(host.result().reported);
    EXPECT_EQ(host.result().code, c.code);
    EXPECT_NE(host.result().message.find(c.in_message), std::string::npos) << host.result().message;
    EXPECT_EQ(host.orderJson("/totals"), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValidationRejects,
    ::testing::Values(
        Rejection{"[]", "{}", "no_lines", "no lines"}, Rejection{R"({"sku":"SKU-1"})", "{}", "no_lines", "no lines"},
        Rejection{R"([{"sku":"SKU-1","quantity":1},{"sku":"SKU-1","quantity":1}])", R"({"max_lines":1})",
                  "too_many_lines", "at most 1"},
        Rejection{R"([{"sku":"SKU-1","quantity":1},{"sku":"SKU-1","quantity":0}])", kCatalog, "invalid_quantity",
                  "line 1"},
        Rejection{R"([{"sku":"SKU-1","quantity":"2"}])", kCatalog, "invalid_quantity", "line 0"},
        Rejection{R"([{"quantity":2}])", kCatalog, "invalid_sku", "line 0"},
        Rejection{R"([{"sku":"SKU-1","quantity":1,"kind":"magic"}])", kCatalog, "invalid_kind", "line 0"},
        Rejection{R"([{"sku":"SKU-1","quantity":1},{"sku":"NOPE","quantity":1}])", kCatalog, "unknown_sku",
                  "line 1: unknown SKU \"NOPE\""},
        Rejection{R"([{"sku":"SKU-1","quantity":1,"unit_price":1000}])", kCatalog, "price_mismatch", "1999"},
        Rejection{R"([{"sku":"SKU-3","quantity":1}])", kCatalog, "missing_price", "SKU-3"},
        Rejection{R"([{"sku":"X","quantity":1,"unit_price":-1}])", "{}", "invalid_price", "line 0"},
        Rejection{R"([{"sku":"X","quantity":4611686018427387904,"unit_price":4}])", "{}", "amount_overflow", "line 0"},
        Rejection{R"([{"sku":"X","quantity":1,"unit_price":9223372036854775807},
                  {"sku":"Y","quantity":1,"unit_price":1}])",
                  "{}", "amount_overflow", "int64"}),
    [](const ::testing::TestParamInfo<Rejection>& info) { return info.param.code + "_" + std::to_string(info.index); });

TEST(ValidationStep, UnknownSkusPassWhenAllowed) {
    FakeHost host = validate(orderWithLines(R"([{"sku":"NEW","quantity":1,"unit_price":7,"kind":"custom"}])"),
                             R"({"catalog":{"SKU-1":{"price":1}},"allow_unknown_skus":true})");
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE) << host.result().message;
    EXPECT_EQ(host.orderJson("/totals/net"), "7");
}

TEST(ValidationStep, RequiresCustomerAndCurrency) {
    EXPECT_EQ(
        validate(R"({"currency":"EUR","customer":{},"lines":[{"sku":"X","quantity":1,"unit_price":1}]})").result().code,
        "missing_customer");
    EXPECT_EQ(validate(R"({"currency":"euro","customer":{"id":"C"},"lines":[{"sku":"X","quantity":1,"unit_price":1}]})")
                  .result()
                  .code,
              "invalid_currency");
}

// A made-up code of the right shape is no currency: it would be authorized and invoiced as one.
TEST(ValidationStep, RefusesCurrencyCodesThatAreNotIso4217) {
    for (const char* code : {"ZZZ", "XXX", "XAU", "EURO"}) {
        const FakeHost host = validate(R"({"currency":")" + std::string(code) +
                                       R"(","customer":{"id":"C"},"lines":[{"sku":"X","quantity":1,"unit_price":1}]})");
        EXPECT_EQ(host.result().code, "invalid_currency") << code;
        EXPECT_NE(host.result().message.find(std::string("\"") + code + "\" is not an ISO 4217"), std::string::npos)
            << host.result().message;
    }
    for (const char* code : {"EUR", "JPY", "BHD", "CHF", "XOF"}) {
        EXPECT_EQ(validate(R"({"currency":")" + std::string(code) +
                           R"(","customer":{"id":"C"},"lines":[{"sku":"X","quantity":1,"unit_price":1}]})")
                      .result()
                      .kind,
                  OH_OUTCOME_CONTINUE)
            << code;
    }
}

// The catalog's prices are in its "currency": an order in another one is not priced from it (8999
// euro cents are not 8999 yen), whether the price would be filled in or compared. A line with its
// own price and no catalog entry is the ERP's to price.
TEST(ValidationStep, CatalogPricesApplyOnlyInTheCatalogsCurrency) {
    const std::string config = R"({"currency":"EUR","allow_unknown_skus":true,"catalog":{"SKU-1":{"price":1999}}})";
    const auto inYen = [](const std::string& lines) {
        std::string order = orderWithLines(lines);
        order.replace(order.find("\"EUR\""), 5, "\"JPY\"");
        return order;
    };
    for (const char* lines :
         {R"([{"sku":"SKU-1","quantity":1}])", R"([{"sku":"SKU-1","quantity":1,"unit_price":1999}])"}) {
        const FakeHost refused = validate(inYen(lines), config);
        EXPECT_EQ(refused.result().code, "currency_not_priced") << lines;
        EXPECT_NE(
            refused.result().message.find("line 0: the catalog prices SKU \"SKU-1\" in EUR, and the order is in JPY"),
            std::string::npos)
            << refused.result().message;
        EXPECT_EQ(refused.orderJson("/totals"), std::nullopt);
    }
    EXPECT_EQ(validate(inYen(R"([{"sku":"OWN","quantity":2,"unit_price":1200}])"), config).orderJson("/totals/net"),
              "2400");
    EXPECT_EQ(validate(orderWithLines(R"([{"sku":"SKU-1","quantity":1}])"), config).orderJson("/totals/net"), "1999");
    EXPECT_EQ(validate(inYen(R"([{"sku":"SKU-1","quantity":1}])"), R"({"catalog":{"SKU-1":{"price":1999}}})")
                  .orderJson("/totals/net"),
              "1999")
        << "without a currency the catalog is taken to be in the order's (as before 2026-12-05)";
}

TEST(ValidationStep, RunsTheSameOnA10Host) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO, orderhost::testkit::HostLevel::v1_0);
    host.config(kCatalog).order(orderWithLines(R"([{"sku":"SKU-2","quantity":2}])")).create("validate");
    ASSERT_EQ(host.run(), OH_STATUS_OK) << host.reportedError();
    EXPECT_EQ(host.orderJson("/totals/net"), "1000");
}

struct BadConfig {
    std::string config;
    std::string in_message;
};
void PrintTo(const BadConfig& c, std::ostream* os) { *os << c.in_message; }

class ValidationConfig : public ::testing::TestWithParam<BadConfig> {};

TEST_P(ValidationConfig, IsRefusedNamingTheField) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(GetParam().config);
    EXPECT_EQ(host.create("validate"), OH_STATUS_INVALID_CONFIG);
    EXPECT_NE(host.reportedError().find(GetParam().in_message), std::string::npos) << host.reportedError();
}

INSTANTIATE_TEST_SUITE_P(Cases, ValidationConfig,
                         ::testing::Values(BadConfig{R"({"catalog":[]})", "'catalog'"},
                                           BadConfig{R"({"catalog":{"SKU-1":5}})", "'catalog.SKU-1'"},
                                           BadConfig{R"({"catalog":{"SKU-1":{"price":-1}}})", "'catalog.SKU-1.price'"},
                                           BadConfig{R"({"catalog":{"SKU-1":{"price":"1"}}})", "'catalog.SKU-1.price'"},
                                           BadConfig{R"({"max_lines":0})", "'max_lines'"},
                                           BadConfig{R"({"max_lines":"ten"})", "/max_lines"},
                                           BadConfig{R"({"allow_unknown_skus":"yes"})", "/allow_unknown_skus"},
                                           BadConfig{R"({"currency":"EURO"})", "'currency'"},
                                           BadConfig{R"({"currency":"ZZZ"})", "'currency'"}),
                         [](const ::testing::TestParamInfo<BadConfig>& info) {
                             return "case" + std::to_string(info.index);
                         });

// An order placed from a quote: the host wrote /quote; the quoted unit prices stand in for the
// catalog's, so a price change after the quote does not reach the quoted customer.
std::string quotedOrder(const std::string& lines, const std::string& quotedLines) {
    std::string order = orderWithLines(lines);
    order.pop_back();  // the closing brace
    return order + R"(,"quote":{"id":"q","valid_until":1,"chain":"c","chain_version":1,"order":{"lines":)" +
           quotedLines + "}}}";
}

TEST(ValidationStep, PricesAnOrderFromAQuoteAtTheQuotedPrices) {
    FakeHost host = validate(quotedOrder(R"([{"sku":"SKU-1","quantity":2},{"sku":"SKU-2","quantity":1}])",
                                         R"([{"sku":"SKU-1","unit_price":1800},{"sku":"SKU-2","unit_price":500}])"),
                             kCatalog);
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE) << host.result().message;
    EXPECT_EQ(host.orderJson("/lines/0/unit_price"), "1800");  // the catalog says 1999 now
    EXPECT_EQ(host.orderJson("/totals/net"), "4100");
}

TEST(ValidationStep, RefusesAPriceOrSkuThatDiffersFromTheQuote) {
    FakeHost price = validate(
        quotedOrder(R"([{"sku":"SKU-1","quantity":1,"unit_price":1999}])", R"([{"sku":"SKU-1","unit_price":1800}])"),
        kCatalog);
    EXPECT_EQ(price.result().code, "price_mismatch");
    EXPECT_NE(price.result().message.find("quoted price 1800"), std::string::npos) << price.result().message;
    FakeHost sku =
        validate(quotedOrder(R"([{"sku":"SKU-1","quantity":1}])", R"([{"sku":"SKU-2","unit_price":1}])"), kCatalog);
    EXPECT_EQ(sku.result().code, "quote_mismatch");
}

}  // namespace
