#include "tests/host/events/RabbitMqBroker.h"

#include <Poco/Net/ServerSocket.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace orderhost::testing {
namespace {

unsigned short freePort() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    return socket.address().port();
}

int run(const std::string& command) { return std::system(command.c_str()); }

}  // namespace

RabbitMqBroker::RabbitMqBroker(const BrokerTls& tls) {
    static std::atomic<int> counter{0};
    const std::string name = "ohtest" + std::to_string(::getpid()) + "x" + std::to_string(counter++);
    folder_ = (std::filesystem::temp_directory_path() / ("orderhost-" + name)).string();
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_);
    std::ofstream(folder_ + "/enabled_plugins") << "[].\n";
    node_ = name + "@localhost";
    amqpPort_ = freePort();
    distPort_ = freePort();
    epmdPort_ = freePort();
    std::ofstream config(folder_ + "/rabbitmq.conf");  // RABBITMQ_CONFIG_FILE names it without .conf
    if (!tls.certificate.empty()) {
        tlsPort_ = freePort();
        config << "listeners.ssl.local = 127.0.0.1:" << tlsPort_ << "\nssl_options.cacertfile = " << tls.ca
               << "\nssl_options.certfile = " << tls.certificate << "\nssl_options.keyfile = " << tls.key
               << "\nssl_options.verify = verify_none\nssl_options.fail_if_no_peer_cert = false\n";
    }
    config.close();
    start();
}

RabbitMqBroker::~RabbitMqBroker() {
    stop();
    run("epmd -port " + std::to_string(epmdPort_) + " -kill >/dev/null 2>&1");
    // The node may still be removing its own files (its pid file) as rabbitmqctl stop returns:
    // never throw from here (that ends the test process), try again for a moment instead.
    for (int attempt = 0; attempt < 20; ++attempt) {
        std::error_code error;
        std::filesystem::remove_all(folder_, error);
        if (!error) return;
        ::usleep(100 * 1000);
    }
}

std::string RabbitMqBroker::environment() const {
    const std::string f = "'" + folder_ + "'";
    return "HOME=" + f + " RABBITMQ_NODENAME=" + node_ +
           " RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=" + std::to_string(amqpPort_) +
           " RABBITMQ_DIST_PORT=" + std::to_string(distPort_) + " ERL_EPMD_PORT=" + std::to_string(epmdPort_) +
           " RABBITMQ_MNESIA_BASE=" + f + "/mnesia" + " RABBITMQ_LOG_BASE=" + f + "/log RABBITMQ_CONFIG_FILE=" + f +
           "/rabbitmq" + " RABBITMQ_ENABLED_PLUGINS_FILE=" + f + "/enabled_plugins RABBITMQ_PID_FILE=" + f + "/pid ";
}

void RabbitMqBroker::start() {
    if (running_) return;
    std::error_code ignored;  // gone already, or going: the node removes it as it stops
    std::filesystem::remove(folder_ + "/pid", ignored);
    run("cd '" + folder_ + "' && " + environment() + "setsid /usr/lib/rabbitmq/bin/rabbitmq-server >>'" + folder_ +
        "/server.log' 2>&1 &");
    // rabbitmqctl wait: the pid file, the Erlang node, then the rabbit application.
    if (run(environment() + "/usr/lib/rabbitmq/bin/rabbitmqctl -n " + node_ + " wait --timeout 90 '" + folder_ +
            "/pid' >>'" + folder_ + "/server.log' 2>&1") != 0)
        throw std::runtime_error("RabbitMQ did not start:\n" + log());
    running_ = true;
}

void RabbitMqBroker::stop() {
    if (!running_) return;
    run(environment() + "/usr/lib/rabbitmq/bin/rabbitmqctl -n " + node_ + " stop >>'" + folder_ + "/server.log' 2>&1");
    running_ = false;
}

std::string RabbitMqBroker::url() const { return "amqp://guest:guest@127.0.0.1:" + std::to_string(amqpPort_) + "/%2F"; }

std::string RabbitMqBroker::tlsUrl(const std::string& host) const {
    return "amqps://guest:guest@" + host + ":" + std::to_string(tlsPort_) + "/%2F";
}

std::string RabbitMqBroker::log() const {
    std::ifstream in(folder_ + "/server.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace orderhost::testing
