// The shape of API keys and roles (host/api/ApiKeys.h): what makeApiKey stores, what
// splitApiKey accepts, and the refusals an administrator sees from `orderhost keys create`.
#include "host/api/ApiKeys.h"

#include <gtest/gtest.h>

namespace orderhost::api {
namespace {

TEST(ApiKeysTest, AKeyIsShownOnceAndOnlyItsHashIsStored) {
    const NewApiKey key = makeApiKey("erp-production", "viewer, erp", "place-order,quick", 1234);
    std::string id, secret;
    ASSERT_TRUE(splitApiKey(key.token, id, secret)) << key.token;
    EXPECT_EQ(id, key.record.id);
    EXPECT_EQ(secret.size(), 64u);
    EXPECT_EQ(key.record.secretHash, hashSecret(secret));
    EXPECT_EQ(key.record.secretHash.find(secret), std::string::npos);
    EXPECT_NE(key.record.secretHash, hashSecret(secret.substr(1) + "0"));
    EXPECT_EQ(key.record.roles, "erp,viewer");  // normalised, in a fixed order
    EXPECT_EQ(key.record.chains, "place-order,quick");
    EXPECT_EQ(key.record.createdAtMs, 1234);
    EXPECT_NE(makeApiKey("erp-production", "erp", "", 1).token, key.token);
}

TEST(ApiKeysTest, OnlyWellFormedKeysAreSplit) {
    const NewApiKey key = makeApiKey("a", "admin", "", 1);
    std::string id, secret;
    EXPECT_FALSE(splitApiKey(key.token + "0", id, secret));
    EXPECT_FALSE(splitApiKey("ohk_" + key.token.substr(4, 12) + "-" + key.token.substr(17), id, secret));
    EXPECT_FALSE(splitApiKey("OHK" + key.token.substr(3), id, secret));
    std::string upper = key.token;
    upper[20] = 'G';
    EXPECT_FALSE(splitApiKey(upper, id, secret));
    EXPECT_FALSE(splitApiKey("", id, secret));
}

TEST(ApiKeysTest, BadRolesNamesAndChainsAreRefusedWithTheReason) {
    EXPECT_EQ(parseRoles("erp,viewer,admin"), kAllRoles);
    const auto refusal = [](auto make) {
        try {
            make();
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(refusal([] { parseRoles("erp,root"); }).find("unknown role 'root'"), std::string::npos);
    EXPECT_NE(refusal([] { parseRoles(" , "); }).find("at least one role"), std::string::npos);
    EXPECT_NE(refusal([] { makeApiKey("", "erp", "", 1); }).find("name"), std::string::npos);
    EXPECT_NE(refusal([] { makeApiKey("tab\there", "erp", "", 1); }).find("printable"), std::string::npos);
    EXPECT_NE(refusal([] { makeApiKey("x", "erp", "Place Order", 1); }).find("'Place Order' is not a chain name"),
              std::string::npos);
    EXPECT_NE(refusal([] { makeApiKey("x", "erp", " , ", 1); }).find("names no chain"), std::string::npos);
    EXPECT_EQ(describeAccess(Access::Read), "erp, viewer or admin");
    EXPECT_EQ(describeAccess(Access::Administer), "admin");
}

TEST(ApiKeysTest, SecretsCompareEqualOnlyWhenEqual) {
    EXPECT_TRUE(sameSecret("abc", "abc"));
    EXPECT_FALSE(sameSecret("abc", "abd"));
    EXPECT_FALSE(sameSecret("abc", "abcd"));
    EXPECT_FALSE(sameSecret("", "a"));
}

}  // namespace
}  // namespace orderhost::api
