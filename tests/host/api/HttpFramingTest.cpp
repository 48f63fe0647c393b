#include "host/api/HttpFraming.h"

#include <gtest/gtest.h>

#include <sstream>

namespace orderhost::api {
namespace {

Poco::Net::HTTPRequest post(std::initializer_list<std::pair<const char*, const char*>> fields) {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/v1/orders", Poco::Net::HTTPMessage::HTTP_1_1);
    request.add("Host", "orders.example");  // an HTTP/1.1 request needs one
    for (const auto& [name, value] : fields) request.add(name, value);
    return request;
}

TEST(HttpFramingTest, UnambiguousFramingPasses) {
    EXPECT_FALSE(checkFraming(post({})));
    EXPECT_FALSE(checkFraming(post({{"Content-Length", "0"}})));
    EXPECT_FALSE(checkFraming(post({{"Content-Length", "123"}})));
    EXPECT_FALSE(checkFraming(post({{"Transfer-Encoding", "Chunked"}})));
}

TEST(HttpFramingTest, AmbiguousFramingIsRefusedSayingWhy) {
    const auto detailOf = [](const Poco::Net::HTTPRequest& request) {
        const auto problem = checkFraming(request);
        EXPECT_TRUE(problem);
        if (!problem) return std::string();
        EXPECT_EQ(problem->status, Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
        return problem->detail;
    };
    EXPECT_NE(detailOf(post({{"Content-Length", "5"}, {"content-length", "5"}})).find("more than one Content-Length"),
              std::string::npos);
    EXPECT_NE(detailOf(post({{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}})).find("both"),
              std::string::npos);
    EXPECT_NE(detailOf(post({{"Transfer-Encoding", "gzip, chunked"}})).find("'gzip, chunked' is not supported"),
              std::string::npos);
    EXPECT_NE(detailOf(post({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}})).find("several"),
              std::string::npos);
    for (const char* length : {"-1", "+5", "0x10", "5 5", "", "9999999999999999999", "1e3"}) {
        EXPECT_NE(detailOf(post({{"Content-Length", length}})).find("is not a number of bytes"), std::string::npos)
            << length;
    }
}

// Poco's header parser decodes RFC 2047 words after trimming: "=? chunked" is held as
// " chunked", which Poco does not frame as chunked. Accepted, the chunked body stayed in the
// connection and was read as the next request (fuzz_http_head).
TEST(HttpFramingTest, FramingIsJudgedOnTheValuesAsPocoReadsThem) {
    for (const char* head : {"POST /v1/orders HTTP/1.1\r\nTransfer-Encoding:=? chunked\r\n\r\n"}) {
        std::istringstream in(head);
        Poco::Net::HTTPRequest request;
        request.read(in);
        const auto problem = checkFraming(request);
        ASSERT_TRUE(problem) << head
                             << "was accepted; Poco frames it as chunked: " << request.getChunkedTransferEncoding();
        EXPECT_EQ(problem->status, Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
        EXPECT_EQ(problem->detail.find('\r'), std::string::npos);
    }
}

TEST(HttpFramingTest, ARequestHasABodyOnlyWhenItSaysSo) {
    EXPECT_FALSE(hasRequestBody(post({})));
    EXPECT_FALSE(hasRequestBody(post({{"Content-Length", "0"}})));
    EXPECT_TRUE(hasRequestBody(post({{"Content-Length", "1"}})));
    EXPECT_TRUE(hasRequestBody(post({{"Transfer-Encoding", "chunked"}})));
}

}  // namespace
}  // namespace orderhost::api
