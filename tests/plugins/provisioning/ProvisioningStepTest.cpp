// orderhost.provisioning (plugins/provisioning), loaded from its .so by the SDK's test kit: its
// accounts in provisioning_accounts, credentials only as Argon2id hashes that verify against
// the plaintext handed over in the document, terms, events, and an idempotent deprovision.
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

#include "provisioning/service_term.hpp"

namespace {

using orderhost::testkit::FakeHost;

constexpr char kTerms[] = R"({"terms":{"SAAS-PRO":{"months":1,"renewal":"auto"},"SUPPORT":{"months":12}}})";
constexpr char kOrder[] = R"({"customer":{"id":"C-9"},"lines":[
    {"sku":"SAAS-PRO","quantity":5,"kind":"service"},
    {"sku":"BOLT","quantity":2},
    {"sku":"SUPPORT","quantity":1,"kind":"service"}]})";
// 2026-01-31T09:00:00Z: one month later is clamped to 28 February.
const std::int64_t kStart = provisioning::daysFromCivil(2026, 1, 31) * provisioning::kDayMs + 9 * 3600000;

class ProvisioningStep : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_GE(sodium_init(), 0);
        host_.now(kStart);
        ASSERT_EQ(host_.config(kTerms).create("provision-service"), OH_STATUS_OK) << host_.reportedError();
    }
    std::int64_t count(const std::string& where) {
        return host_.queryInt("SELECT COUNT(*) FROM provisioning_accounts WHERE " + where);
    }
    std::string column(const std::string& sql) {
        // The one string value of a one-row, one-column result ([{"column":"value"}]).
        const std::string rows = host_.query(sql);
        const auto colon = rows.find(':');
        return rows.substr(colon + 2, rows.rfind('"') - colon - 2);
    }
    std::size_t eventsOf(const std::string& type) {
        std::size_t n = 0;
        for (const auto& event : host_.events()) n += event.type == type;
        return n;
    }

    FakeHost host_{ORDERHOST_TEST_PLUGIN_SO};
};

TEST_F(ProvisioningStep, ItsTablesFollowTheNamingConvention) {
    EXPECT_EQ(host_.tablePrefix(), "provisioning_");
    EXPECT_EQ(host_.logged("does not start with"), 0u);
    EXPECT_EQ(host_.queryInt("SELECT MAX(version) FROM plugin_migrations WHERE plugin_id = 'orderhost.provisioning'"),
              1);
}

TEST_F(ProvisioningStep, ServiceLinesBecomeAccountsWithTheirTerms) {
    host_.order(kOrder);
    ASSERT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(count("status = 'active'"), 2) << "the goods line gets none";
    EXPECT_EQ(host_.query("SELECT line_no, customer_id, sku, seats, renewal, starts_at_ms, ends_at_ms"
                          " FROM provisioning_accounts ORDER BY line_no"),
              "[{\"line_no\":0,\"customer_id\":\"C-9\",\"sku\":\"SAAS-PRO\",\"seats\":5,\"renewal\":\"auto\","
              "\"starts_at_ms\":" +
                  std::to_string(kStart) + ",\"ends_at_ms\":" +
                  std::to_string(provisioning::daysFromCivil(2026, 2, 28) * provisioning::kDayMs + 9 * 3600000) +
                  "},{\"line_no\":2,\"customer_id\":\"C-9\",\"sku\":\"SUPPORT\",\"seats\":1,\"renewal\":\"none\","
                  "\"starts_at_ms\":" +
                  std::to_string(kStart) + ",\"ends_at_ms\":" +
                  std::to_string(provisioning::daysFromCivil(2027, 1, 31) * provisioning::kDayMs + 9 * 3600000) + "}]");
    EXPECT_EQ(host_.orderString("/provisioning/status"), "provisioned");
    EXPECT_EQ(host_.orderString("/provisioning/accounts/1/sku"), "SUPPORT");
    EXPECT_EQ(eventsOf("service.provisioned"), 2u);
}

TEST_F(ProvisioningStep, TheCredentialIsStoredOnlyAsASaltedSlowHash) {
    host_.order(kOrder);
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    std::string secrets[2], hashes[2];
    for (int i = 0; i < 2; ++i) {
        secrets[i] = host_.orderString("/provisioning/accounts/" + std::to_string(i) + "/initial_secret").value_or("");
        ASSERT_GE(secrets[i].size(), 32u) << "24 random bytes, base64url";
        const std::string account =
            host_.orderString("/provisioning/accounts/" + std::to_string(i) + "/account_id").value_or("");
        hashes[i] = column("SELECT credential_hash FROM provisioning_accounts WHERE account_id = '" + account + "'");
        EXPECT_EQ(hashes[i].rfind("$argon2id$", 0), 0u) << hashes[i];
        EXPECT_EQ(crypto_pwhash_str_verify(hashes[i].c_str(), secrets[i].data(), secrets[i].size()), 0);
        EXPECT_NE(crypto_pwhash_str_verify(hashes[i].c_str(), "wrong", 5), 0);
        EXPECT_EQ(host_.query("SELECT * FROM provisioning_accounts").find(secrets[i]), std::string::npos);
    }
    EXPECT_NE(secrets[0], secrets[1]);
    for (const auto& event : host_.events())
        EXPECT_EQ(event.payload.find("secret"), std::string::npos) << event.payload;
}

TEST_F(ProvisioningStep, ASecondRunCreatesNothingTwice) {
    host_.order(kOrder);
    host_.run(1);
    ASSERT_EQ(host_.run(2), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(count("1 = 1"), 2);
    EXPECT_EQ(eventsOf("service.provisioned"), 2u);
}

TEST_F(ProvisioningStep, AServiceSkuWithoutATermIsRejectedAndNothingIsWritten) {
    host_.order(R"({"customer":{"id":"C-9"},"lines":[{"sku":"SAAS-PRO","quantity":1,"kind":"service"},
                   {"sku":"MYSTERY","quantity":1,"kind":"service"}]})");
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(host_.result().code, "unknown_service_sku");
    EXPECT_NE(host_.result().message.find("MYSTERY"), std::string::npos) << host_.result().message;
    EXPECT_EQ(count("1 = 1"), 0);

    host_.config(R"({"terms":{"SAAS-PRO":{"months":1}},"unknown_sku":"skip"})").create("provision-service");
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(count("1 = 1"), 1);
}

TEST_F(ProvisioningStep, AnOrderWithoutServiceLinesProvisionsNothing) {
    host_.order(R"({"customer":{"id":"C-9"},"lines":[{"sku":"BOLT","quantity":1}]})");
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host_.orderString("/provisioning/status"), "nothing_to_provision");
    EXPECT_EQ(count("1 = 1"), 0);
}

TEST_F(ProvisioningStep, CompensateDeprovisionsOnceAndIsIdempotent) {
    host_.order(kOrder);
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    host_.advance(60000);
    const std::int64_t cancelledAt = host_.now();
    ASSERT_EQ(host_.compensate(), OH_STATUS_OK) << host_.reportedError();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(count("status = 'deprovisioned' AND ends_at_ms = " + std::to_string(cancelledAt)), 2);
    EXPECT_EQ(host_.orderString("/provisioning/status"), "deprovisioned");
    EXPECT_FALSE(host_.orderJson("/provisioning/accounts/0/initial_secret")) << "the secret leaves the document";
    EXPECT_EQ(eventsOf("service.deprovisioned"), 2u);

    host_.advance(60000);
    ASSERT_EQ(host_.compensate(2), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(count("deprovisioned_at_ms = " + std::to_string(cancelledAt)), 2) << "the first end stands";
    EXPECT_EQ(eventsOf("service.deprovisioned"), 2u) << "nothing deprovisioned twice";
}

TEST_F(ProvisioningStep, CompensateWithoutAccountsChangesNothing) {
    host_.order(kOrder);
    ASSERT_EQ(host_.compensate(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_FALSE(host_.orderJson("/provisioning"));
}

TEST_F(ProvisioningStep, RefusesTermsItCannotApply) {
    EXPECT_NE(host_.config(R"({"terms":{"SAAS":{"months":0}}})").create("provision-service"), OH_STATUS_OK);
    EXPECT_NE(host_.reportedError().find("terms.SAAS.months"), std::string::npos) << host_.reportedError();
    EXPECT_NE(host_.config(R"({"terms":{"SAAS":{"months":1,"renewal":"sometimes"}}})").create("provision-service"),
              OH_STATUS_OK);
    EXPECT_NE(host_.config(R"({})").create("provision-service"), OH_STATUS_OK);
}

TEST_F(ProvisioningStep, ForgetInitialSecretsRemovesThePlaintextOnly) {
    host_.order(kOrder);
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    ASSERT_TRUE(host_.orderJson("/provisioning/accounts/1/initial_secret"));
    ASSERT_EQ(host_.config("{}").create("forget-initial-secrets"), OH_STATUS_OK) << host_.reportedError();
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_FALSE(host_.orderJson("/provisioning/accounts/0/initial_secret"));
    EXPECT_FALSE(host_.orderJson("/provisioning/accounts/1/initial_secret"));
    EXPECT_EQ(host_.orderString("/provisioning/accounts/1/sku"), "SUPPORT");
}

}  // namespace
