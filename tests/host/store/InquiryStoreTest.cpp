#include "host/store/InquiryStore.h"

#include <gtest/gtest.h>

#include "tests/host/store/StoreTestSupport.h"

using namespace Poco::Data::Keywords;

namespace orderhost::store::testing {
namespace {

class InquiryStoreTest : public StoreTest {
protected:
    void SetUp() override {
        StoreTest::SetUp();
        db_ = open();
        ASSERT_EQ(OrderStore(*db_).insertOrder(sampleOrder("R-1")), InsertResult::Inserted);
        inquiries_ = std::make_unique<InquiryStore>(*db_);
        reader_ = std::make_unique<OutboxReader>(*db_);
    }
    void TearDown() override {
        reader_.reset();
        inquiries_.reset();
        db_.reset();
        StoreTest::TearDown();
    }
    static InquiryRecord inquiry(const std::string& id, int64_t at) {
        InquiryRecord r;
        r.id = id;
        r.orderId = "id-R-1";
        r.channel = "email";
        r.question = "Where is it? " + std::string(300, 'q');  // longer than SQLite's 255-byte bind limit
        r.status = "open";
        r.createdAtMs = at;
        return r;
    }
    static OutboxEvent event(const std::string& type) { return {0, "id-R-1", type, R"({"x":1})", 5}; }

    std::unique_ptr<Database> db_;
    std::unique_ptr<InquiryStore> inquiries_;
    std::unique_ptr<OutboxReader> reader_;
};

// On PostgreSQL the read is kept prepared per connection: read again and again for orders with
// and without inquiries, each answer is that order's own, never rows left from the last one.
TEST_P(InquiryStoreTest, EachOrderReadsItsOwnInquiriesReadAfterRead) {
    ASSERT_EQ(OrderStore(*db_).insertOrder(sampleOrder("R-2")), InsertResult::Inserted);
    inquiries_->open(inquiry("i-1", 10), event("inquiry.opened"));
    InquiryRecord other = inquiry("i-9", 11);
    other.orderId = "id-R-2";
    other.question = "Can I add a line?";
    inquiries_->open(other, {0, "id-R-2", "inquiry.opened", R"({"x":1})", 5});
    for (int pass = 0; pass < 3; ++pass) {
        const auto first = inquiries_->ofOrder("id-R-1");
        ASSERT_EQ(first.size(), 1u);
        EXPECT_EQ(first[0].id, "i-1");
        EXPECT_EQ(first[0].orderId, "id-R-1");
        EXPECT_EQ(first[0].answer, "") << "NULL while open";
        EXPECT_EQ(first[0].answeredAtMs, 0);
        EXPECT_TRUE(inquiries_->ofOrder("id-none").empty());
        const auto second = inquiries_->ofOrder("id-R-2");
        ASSERT_EQ(second.size(), 1u);
        EXPECT_EQ(second[0].question, "Can I add a line?");
        EXPECT_EQ(second[0].createdAtMs, 11);
    }
}

TEST_P(InquiryStoreTest, OpensAndAnswersWithOneEventEach) {
    inquiries_->open(inquiry("i-2", 20), event("inquiry.opened"));
    inquiries_->open(inquiry("i-1", 10), event("inquiry.opened"));
    EXPECT_EQ(
        inquiries_->answer("id-R-1", "i-1", "Today. " + std::string(300, 'a'), "agent", 30, event("inquiry.answered")),
        AnswerResult::Answered);
    const auto all = inquiries_->ofOrder("id-R-1");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, "i-1") << "oldest first";
    EXPECT_EQ(all[0].status, "answered");
    EXPECT_EQ(all[0].answer, "Today. " + std::string(300, 'a'));
    EXPECT_EQ(all[0].answeredBy, "agent");
    EXPECT_EQ(all[0].answeredAtMs, 30);
    EXPECT_EQ(all[1].question, inquiry("i-2", 20).question);
    EXPECT_EQ(all[1].status, "open");
    const auto events = reader_->eventsOfOrder("id-R-1", 10);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[2].type, "inquiry.answered");
}

TEST_P(InquiryStoreTest, AnAnsweredOrUnknownInquiryWritesNothing) {
    inquiries_->open(inquiry("i-1", 10), event("inquiry.opened"));
    ASSERT_EQ(inquiries_->answer("id-R-1", "i-1", "first", "a", 30, event("inquiry.answered")), AnswerResult::Answered);
    EXPECT_EQ(inquiries_->answer("id-R-1", "i-1", "second", "b", 40, event("inquiry.answered")),
              AnswerResult::AlreadyAnswered);
    EXPECT_EQ(inquiries_->answer("id-R-1", "i-9", "x", "b", 40, event("inquiry.answered")),
              AnswerResult::UnknownInquiry);
    EXPECT_EQ(inquiries_->answer("id-other", "i-1", "x", "b", 40, event("inquiry.answered")),
              AnswerResult::UnknownInquiry)
        << "an inquiry belongs to its order";
    EXPECT_EQ(inquiries_->find("id-R-1", "i-1")->answer, "first");
    EXPECT_EQ(reader_->eventsOfOrder("id-R-1", 10).size(), 2u);
}

TEST_P(InquiryStoreTest, AnInquiryOnNoOrderIsRefusedWithoutItsEvent) {
    InquiryRecord orphan = inquiry("i-1", 10);
    orphan.orderId = "id-nothing";
    EXPECT_THROW(inquiries_->open(orphan, {0, "id-nothing", "inquiry.opened", "{}", 1}), StoreError);
    EXPECT_TRUE(reader_->eventsOfOrder("id-nothing", 10).empty()) << "the event rolled back with the insert";
    InquiryRecord tooLong = inquiry("i-2", 10);
    tooLong.question = std::string(kMaxInquiryTextBytes + 1, 'q');
    EXPECT_THROW(inquiries_->open(tooLong, event("inquiry.opened")), StoreError);
    EXPECT_TRUE(inquiries_->ofOrder("id-R-1").empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, InquiryStoreTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing
