// A webhook receiver for tests: a Poco HTTPServer on a free loopback port that records every
// request and answers with scripted statuses (2xx unless told otherwise).
#pragma once

#include <Poco/Net/HTTPServer.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace orderhost::testing {

struct ReceivedRequest {
    std::string method, path, body;
    std::map<std::string, std::string> headers;
};

class WebhookReceiver {
public:
    WebhookReceiver();
    // Over TLS: `certificateFile`/`keyFile` are PEM files (makeSelfSignedCertificate()).
    WebhookReceiver(const std::string& certificateFile, const std::string& keyFile);
    ~WebhookReceiver();

    std::string url(const std::string& path = "/hooks") const;
    // The next requests get these statuses, in order; then 204 again.
    void answerNext(std::vector<int> statuses);
    // Waits until at least `count` requests arrived (false after `timeout`).
    bool waitFor(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    std::vector<ReceivedRequest> requests();

    // Called by the server's handler threads.
    int record(ReceivedRequest request);

private:
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<ReceivedRequest> requests_;
    std::deque<int> statuses_;
    std::string scheme_ = "http";
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

// A throw-away self-signed certificate for CN=`name` (localhost: also IP 127.0.0.1), made with
// the openssl command in `folder` (cert.pem, key.pem); throws when openssl fails.
void makeSelfSignedCertificate(const std::string& folder, const std::string& name = "localhost");

}  // namespace orderhost::testing
