// The API key cache (host/api/ApiKeyCache.h) over a real api_keys table on every backend: a
// made-up key id is looked up once and then remembered as unknown until the next full read,
// so a flood of made-up keys does not query the database per request.
#include "host/api/ApiKeyCache.h"
#include "host/store/StoreError.h"
#include "tests/host/store/StoreTestSupport.h"

#include <gtest/gtest.h>

namespace orderhost::api {
namespace {

using store::testing::StoreTest;

class ApiKeyCacheTest : public StoreTest {};

// A well-formed key whose id is in no table.
std::string madeUpKey(char digit) { return "ohk_" + std::string(12, digit) + "_" + std::string(64, 'a'); }

TEST_P(ApiKeyCacheTest, AMadeUpKeyIdIsLookedUpOnceUntilTheNextRead) {
    auto db = open();
    store::ApiKeyStore keys(*db);
    const NewApiKey real = makeApiKey("erp", "erp", "", 1);
    keys.insert(real.record);
    ApiKeyCache cache(&keys, "", /*alwaysRequired=*/true);
    EXPECT_EQ(cache.authenticate("Bearer " + real.token).name, "erp");
    EXPECT_THROW(cache.authenticate("Bearer " + madeUpKey('1')), Unauthenticated);

    // Without the table every lookup fails: what answers now answers without a query.
    exec(*db, "DROP TABLE api_keys");
    EXPECT_THROW(cache.authenticate("Bearer " + madeUpKey('1')), Unauthenticated)
        << "a made-up id seen before must not be looked up again";
    EXPECT_EQ(cache.authenticate("Bearer " + real.token).name, "erp");
    // A new made-up id is looked up, and that lookup fails without the table.
    EXPECT_THROW(cache.authenticate("Bearer " + madeUpKey('2')), store::StoreError);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiKeyCacheTest, ::testing::ValuesIn(orderhost::testing::testBackends()),
                         orderhost::testing::backendName);

}  // namespace
}  // namespace orderhost::api
