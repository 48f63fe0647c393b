// The frames between the host and orderhost-plugin-worker: every field type round-trips byte
// for byte, and a peer that sends garbage, too much, or nothing at all is reported, never
// read past or waited on forever.
#include "host/isolation/WorkerFrames.h"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace orderhost::isolation {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

class SocketPair {
public:
    SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_), 0); }
    ~SocketPair() {
        closeWriter();
        ::close(fds_[0]);
    }
    int reader() const { return fds_[0]; }
    int writer() const { return fds_[1]; }
    void closeWriter() {
        if (fds_[1] >= 0) ::close(fds_[1]);
        fds_[1] = -1;
    }

private:
    int fds_[2] = {-1, -1};
};

SteadyClock::time_point soon() { return SteadyClock::now() + 2s; }

TEST(WorkerFramesTest, EveryFieldTypeRoundTripsByteForByte) {
    SocketPair pair;
    const std::string raw("bad \xff utf-8 and a \0 NUL", 24);  // plugin text arrives as it was sent
    FrameWriter writer(Op::DbExecute);
    writer.u8(7).u32(4000000000u).i32(-5).u64(1ull << 60).i64(-1234567890123).str(raw).str("");
    ASSERT_TRUE(writeFrame(pair.writer(), writer.bytes()));

    std::string body;
    ASSERT_EQ(readFrame(pair.reader(), body, soon()), ReadResult::Frame);
    FrameReader reader(body);
    EXPECT_EQ(reader.op(), Op::DbExecute);
    EXPECT_EQ(reader.u8(), 7);
    EXPECT_EQ(reader.u32(), 4000000000u);
    EXPECT_EQ(reader.i32(), -5);
    EXPECT_EQ(reader.u64(), 1ull << 60);
    EXPECT_EQ(reader.i64(), -1234567890123);
    EXPECT_EQ(reader.str(), raw);
    EXPECT_EQ(reader.str(), "");
    EXPECT_TRUE(reader.atEnd());
}

// A plugin's {NULL, 5} must reach the host's services as a NULL pointer with its length, which
// they refuse as in-process (plugins/AbiText.h); sent as "" it was the whole document's path.
TEST(WorkerFramesTest, APluginsNullPointerWithALengthCrossesAsSuchAndOtherTextAsItsBytes) {
    const oh_str nulled{nullptr, 5};
    const oh_str empty{nullptr, 0};
    const oh_str text{"ab\0c", 4};
    const std::string body = FrameWriter(Op::SetJson).pluginText(nulled).pluginText(empty).pluginText(text).bytes();
    FrameReader reader(body);
    EXPECT_EQ(reader.op(), Op::SetJson);
    const PluginTextOnWire first = reader.pluginText();
    EXPECT_TRUE(first.nullPointer);
    EXPECT_EQ(first.view().ptr, nullptr);
    EXPECT_EQ(first.view().len, 5u);
    const PluginTextOnWire second = reader.pluginText();
    EXPECT_FALSE(second.nullPointer);
    EXPECT_EQ(second.view().len, 0u);
    const PluginTextOnWire third = reader.pluginText();
    EXPECT_EQ(std::string(third.view().ptr, third.view().len), std::string("ab\0c", 4));
    EXPECT_TRUE(reader.atEnd());

    const std::string zero = FrameWriter(Op::SetJson).u32(kNullTextMarker).u64(0).bytes();
    FrameReader bad(zero);
    bad.op();
    EXPECT_THROW(bad.pluginText(), FrameError) << "the marker means a length > 0";
}

TEST(WorkerFramesTest, ALengthPastTheEndOfTheMessageIsAnErrorNotARead) {
    // A string that claims 1000 bytes in a message that has 3 left.
    const std::string body = FrameWriter(Op::Reply).u32(1000).bytes() + "abc";
    FrameReader reader(body);
    EXPECT_EQ(reader.op(), Op::Reply);
    try {
        reader.str();
        FAIL() << "read past the end";
    } catch (const FrameError& e) {
        EXPECT_NE(std::string(e.what()).find("truncated message"), std::string::npos) << e.what();
    }
    FrameReader empty("");
    EXPECT_THROW(empty.u64(), FrameError);
}

TEST(WorkerFramesTest, AnOversizedFrameIsRefusedBeforeAnyAllocation) {
    SocketPair pair;
    const unsigned char header[4] = {0xff, 0xff, 0xff, 0xff};  // 4 GiB
    ASSERT_EQ(::write(pair.writer(), header, 4), 4);
    std::string body;
    std::string problem;
    EXPECT_EQ(readFrame(pair.reader(), body, soon(), {}, &problem), ReadResult::Failed);
    EXPECT_NE(problem.find("a frame of 4294967295 bytes"), std::string::npos) << problem;
    EXPECT_TRUE(body.empty());
}

TEST(WorkerFramesTest, APeerThatClosesIsClosedBetweenAndInsideFrames) {
    {
        SocketPair pair;
        pair.closeWriter();
        std::string body;
        EXPECT_EQ(readFrame(pair.reader(), body, soon()), ReadResult::Closed);
    }
    SocketPair pair;
    const unsigned char header[4] = {10, 0, 0, 0};  // 10 bytes announced, 2 sent
    ASSERT_EQ(::write(pair.writer(), header, 4), 4);
    ASSERT_EQ(::write(pair.writer(), "ab", 2), 2);
    pair.closeWriter();
    std::string body;
    std::string problem;
    EXPECT_EQ(readFrame(pair.reader(), body, soon(), {}, &problem), ReadResult::Closed);
    EXPECT_NE(problem.find("inside a frame"), std::string::npos) << problem;
}

TEST(WorkerFramesTest, ASilentPeerTimesOutAtTheDeadlineOrWhenTheCallerGivesUp) {
    SocketPair pair;
    std::string body;
    auto start = SteadyClock::now();
    EXPECT_EQ(readFrame(pair.reader(), body, SteadyClock::now() + 100ms), ReadResult::TimedOut);
    EXPECT_GE(SteadyClock::now() - start, 100ms);

    std::atomic<bool> abandoned{false};
    std::thread setter([&] {
        std::this_thread::sleep_for(50ms);
        abandoned = true;
    });
    start = SteadyClock::now();
    EXPECT_EQ(readFrame(pair.reader(), body, SteadyClock::time_point::max(), [&] { return abandoned.load(); }),
              ReadResult::TimedOut);
    EXPECT_LT(SteadyClock::now() - start, 1s) << "giveUp was not asked while waiting";
    setter.join();
}

TEST(WorkerFramesTest, WritingToAPeerThatIsGoneFailsWithoutSigpipe) {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    ::close(fds[0]);
    const std::string big(1 << 20, 'x');
    EXPECT_FALSE(writeFrame(fds[1], big));  // the test process would die of SIGPIPE otherwise
    ::close(fds[1]);
}

}  // namespace
}  // namespace orderhost::isolation
