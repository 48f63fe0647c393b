// Webhook subscribers are kept (relay_cursors, relay_dead_letters) under a name without their
// secrets (events::subscriberName): no password and no query in clear. A cursor kept under the
// whole URL by an older host is taken over, with its place and its dead letters, so an upgrade
// delivers nothing twice. Real databases, a real receiver on loopback.
#include "host/events/WebhookClient.h"
#include "host/events/WebhookSubscription.h"

#include "tests/host/events/WebhookReceiver.h"
#include "tests/support/TestDatabase.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace Poco::Data::Keywords;

namespace orderhost::events {
namespace {

TEST(SubscriberNameTest, KeepsNoPasswordAndNoQueryInClear) {
    const std::string name = subscriberName("https://erp:s3cret-pass@erp.example/hooks?token=t0ken-abc&x=1");
    EXPECT_EQ(name.rfind("https://erp.example:443/hooks?sha256:", 0), 0u) << name;
    EXPECT_EQ(name.size(), std::string("https://erp.example:443/hooks?sha256:").size() + 16) << name;
    EXPECT_EQ(name.find("s3cret"), std::string::npos);
    EXPECT_EQ(subscriberName("https://tok3n@erp.example/hooks").find("tok3n"), std::string::npos)
        << "a user may be a token";
    EXPECT_EQ(subscriberName("http://[::1]:9000/hooks"), "http://[::1]:9000/hooks");
    EXPECT_EQ(name.find("t0ken"), std::string::npos);
    EXPECT_NE(name, subscriberName("https://erp:s3cret-pass@erp.example/hooks?token=other&x=1"))
        << "another query is another subscriber";
    EXPECT_EQ(name, subscriberName("https://erp:rotated@erp.example/hooks?token=t0ken-abc&x=1"))
        << "a rotated password keeps its cursor";
    EXPECT_EQ(subscriberName("http://127.0.0.1:9000/hooks"), "http://127.0.0.1:9000/hooks");
}

class SubscriberRenameTest : public ::testing::TestWithParam<orderhost::testing::TestBackend> {
protected:
    void SetUp() override {
        dir_ = orderhost::testing::makeTempDir("orderhost-subscriber");
        database_ = std::make_unique<orderhost::testing::TestDatabase>(GetParam(), dir_);
        db_ = std::make_unique<store::Database>(database_->connectionString());
        options_.owner = "host-a";
    }
    void TearDown() override {
        db_.reset();
        database_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::vector<std::string> names(const std::string& table) {
        std::vector<std::string> found;
        db_->session() << "SELECT subscriber FROM " + table + " ORDER BY subscriber", into(found), now;
        return found;
    }

    std::string dir_;
    std::unique_ptr<orderhost::testing::TestDatabase> database_;
    std::unique_ptr<store::Database> db_;
    orderhost::testing::WebhookReceiver receiver_;
    RelayOptions options_;
};

TEST_P(SubscriberRenameTest, ACursorKeptUnderTheWholeUrlIsTakenOverWithItsDeadLetters) {
    std::string url = receiver_.url();
    url.replace(url.find("://") + 3, 0, "erp:s3cret@");
    url += "?token=t0ken";
    const std::string name = subscriberName(url);
    db_->withTransaction("an older host's rows", [&](Poco::Data::Session& s) {
        s << "INSERT INTO relay_cursors (subscriber, last_event_id, updated_at) VALUES (?, 7, 1)", bind(url), now;
        s << "INSERT INTO relay_dead_letters (subscriber, event_id, attempts, last_error, state, dead_at)"
             " VALUES (?, 3, 5, 'refused', 'dead', 1)",
            bind(url), now;
    });
    { WebhookSubscription subscription(*db_, url, options_); }
    EXPECT_EQ(names("relay_cursors"), std::vector<std::string>{name});
    EXPECT_EQ(names("relay_dead_letters"), std::vector<std::string>{name});
    std::int64_t last = -1;
    db_->session() << "SELECT last_event_id FROM relay_cursors", into(last), now;
    EXPECT_EQ(last, 7) << "its place is kept: nothing is delivered twice";

    // An old host still running made the old row again: the next start deletes it (it holds the
    // URL's secrets) and keeps the new cursor's place.
    db_->session() << "INSERT INTO relay_cursors (subscriber, last_event_id, updated_at) VALUES (?, 2, 1)", bind(url),
        now;
    { WebhookSubscription subscription(*db_, url, options_); }
    EXPECT_EQ(names("relay_cursors"), std::vector<std::string>{name});
    db_->session() << "SELECT last_event_id FROM relay_cursors", into(last), now;
    EXPECT_EQ(last, 7);
}

INSTANTIATE_TEST_SUITE_P(Backends, SubscriberRenameTest, ::testing::ValuesIn(orderhost::testing::testBackends()),
                         orderhost::testing::backendName);

}  // namespace
}  // namespace orderhost::events
