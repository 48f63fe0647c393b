// IdempotencyStore on every backend: one claim per key, replays of the kept reply, refusal of
// another request with the key, and keys that stop holding (expired, abandoned, released).
#include "host/store/IdempotencyStore.h"

#include <gtest/gtest.h>

#include "tests/host/store/StoreTestSupport.h"

namespace orderhost::store::testing {
namespace {

const KeyId kKey{"*", "POST /v1/orders", "key-1"};
constexpr int64_t kDay = 86400000;

class IdempotencyStoreTest : public StoreTest {
protected:
    void SetUp() override {
        StoreTest::SetUp();
        db_ = open();
        keys_ = std::make_unique<IdempotencyStore>(*db_);
    }
    void TearDown() override {
        keys_.reset();
        db_.reset();
        StoreTest::TearDown();
    }

    std::unique_ptr<Database> db_;
    std::unique_ptr<IdempotencyStore> keys_;
};

TEST_P(IdempotencyStoreTest, TheFirstRequestClaimsAndRepeatsGetItsReply) {
    const KeyClaim first = keys_->claim(kKey, "hash-a", 1000, kDay);
    EXPECT_EQ(first.outcome, ClaimOutcome::Claimed);
    EXPECT_EQ(first.claimedAtMs, 1000);
    EXPECT_EQ(keys_->claim(kKey, "hash-a", 1001, kDay).outcome, ClaimOutcome::InProgress);
    // Longer than SQLite's 255-byte bind limit, with bytes JSON escapes.
    const StoredReply reply{201, "application/json", "/v1/orders/x", "{\"a\":\"" + std::string(5000, 'z') + "\\n\"}"};
    keys_->complete(kKey, first.claimedAtMs, reply);
    const KeyClaim replay = keys_->claim(kKey, "hash-a", 1002, kDay);
    ASSERT_EQ(replay.outcome, ClaimOutcome::Replay);
    EXPECT_EQ(replay.reply.status, 201);
    EXPECT_EQ(replay.reply.contentType, "application/json");
    EXPECT_EQ(replay.reply.location, "/v1/orders/x");
    EXPECT_EQ(replay.reply.body, reply.body);
}

TEST_P(IdempotencyStoreTest, AnotherRequestWithTheKeyIsAMismatchButOtherScopesAreFree) {
    ASSERT_EQ(keys_->claim(kKey, "hash-a", 1000, kDay).outcome, ClaimOutcome::Claimed);
    keys_->complete(kKey, 1000, {200, "application/json", "", "{}"});
    EXPECT_EQ(keys_->claim(kKey, "hash-b", 1001, kDay).outcome, ClaimOutcome::Mismatch);
    EXPECT_EQ(keys_->claim({"*", "POST /v1/orders/{id}/cancel", "key-1"}, "hash-b", 1001, kDay).outcome,
              ClaimOutcome::Claimed);
    EXPECT_EQ(keys_->claim({"client-2", "POST /v1/orders", "key-1"}, "hash-b", 1001, kDay).outcome,
              ClaimOutcome::Claimed);
}

TEST_P(IdempotencyStoreTest, AnExpiredKeyIsClaimedAfreshAndPurged) {
    ASSERT_EQ(keys_->claim(kKey, "hash-a", 1000, 500).outcome, ClaimOutcome::Claimed);
    keys_->complete(kKey, 1000, {200, "application/json", "", "{}"});
    EXPECT_EQ(keys_->claim(kKey, "hash-b", 1499, 500).outcome, ClaimOutcome::Mismatch);
    EXPECT_EQ(keys_->claim(kKey, "hash-b", 1500, 500).outcome, ClaimOutcome::Claimed);
    keys_->complete(kKey, 1500, {200, "application/json", "", "{}"});
    keys_->purgeExpired(2000);
    EXPECT_EQ(keys_->claim(kKey, "hash-c", 2001, 500).outcome, ClaimOutcome::Claimed);
}

TEST_P(IdempotencyStoreTest, AnAbandonedOrReleasedClaimIsClaimedAgain) {
    ASSERT_EQ(keys_->claim(kKey, "hash-a", 1000, kDay).outcome, ClaimOutcome::Claimed);
    EXPECT_EQ(keys_->claim(kKey, "hash-a", 1000 + kAbandonedClaimMs - 1, kDay).outcome, ClaimOutcome::InProgress);
    EXPECT_EQ(keys_->claim(kKey, "hash-a", 1000 + kAbandonedClaimMs, kDay).outcome, ClaimOutcome::Claimed);
    keys_->release(kKey, 1000 + kAbandonedClaimMs);
    EXPECT_EQ(keys_->claim(kKey, "hash-b", 1000 + kAbandonedClaimMs + 1, kDay).outcome, ClaimOutcome::Claimed);
}

// Review findings: a claim outliving the key's lifetime is still running (a repeat must not run
// it a second time), and the abandoned first request must not end the claim that replaced it.
TEST_P(IdempotencyStoreTest, ARunningClaimOutlivesTheTtlAndOnlyItsOwnerEndsIt) {
    ASSERT_EQ(keys_->claim(kKey, "hash-a", 1000, 500).outcome, ClaimOutcome::Claimed);
    EXPECT_EQ(keys_->claim(kKey, "hash-a", 1600, 500).outcome, ClaimOutcome::InProgress)
        << "past the TTL, still running";
    keys_->purgeExpired(1700);
    EXPECT_EQ(keys_->claim(kKey, "hash-a", 1701, 500).outcome, ClaimOutcome::InProgress) << "not purged while running";
    // Abandoned; a second request claims the key; the first one then ends: nothing of it counts.
    const std::int64_t later = 1000 + kAbandonedClaimMs;
    ASSERT_EQ(keys_->claim(kKey, "hash-a", later, kDay).outcome, ClaimOutcome::Claimed);
    keys_->complete(kKey, 1000, {201, "application/json", "", "{\"stale\":true}"});
    keys_->release(kKey, 1000);
    EXPECT_EQ(keys_->claim(kKey, "hash-a", later + 1, kDay).outcome, ClaimOutcome::InProgress);
    keys_->complete(kKey, later, {200, "application/json", "", "{}"});
    const KeyClaim replay = keys_->claim(kKey, "hash-a", later + 2, kDay);
    ASSERT_EQ(replay.outcome, ClaimOutcome::Replay);
    EXPECT_EQ(replay.reply.body, "{}");
}

INSTANTIATE_TEST_SUITE_P(Backends, IdempotencyStoreTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing
