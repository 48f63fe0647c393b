#include "host/events/AmqpPublisher.h"

#include "host/events/EventJson.h"

#include <Poco/Net/IPAddress.h>
#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdexcept>
#include <vector>

namespace orderhost::events {
namespace {

constexpr amqp_channel_t kChannel = 1;

amqp_bytes_t bytesOf(const std::string& text) {
    return amqp_bytes_t{text.size(), const_cast<char*>(text.data())};  // librabbitmq does not write it
}

std::string textOf(amqp_bytes_t bytes) { return std::string(static_cast<const char*>(bytes.bytes), bytes.len); }

timeval timevalOf(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

// Why an RPC failed: the library's reason, or the broker's reply code and text.
std::string failureOf(const amqp_rpc_reply_t& reply) {
    switch (reply.reply_type) {
        case AMQP_RESPONSE_NORMAL:
            return "";
        case AMQP_RESPONSE_NONE:
            return "no reply from the broker";
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return amqp_error_string2(reply.library_error);
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
                const auto* close = static_cast<amqp_connection_close_t*>(reply.reply.decoded);
                return "the broker closed the connection: " + std::to_string(close->reply_code) + " " +
                       textOf(close->reply_text);
            }
            if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
                const auto* close = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
                return "the broker closed the channel: " + std::to_string(close->reply_code) + " " +
                       textOf(close->reply_text);
            }
            return "the broker answered with method " + std::to_string(reply.reply.id);
    }
    return "unknown failure";
}

void check(const amqp_rpc_reply_t& reply, const std::string& what) {
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) throw std::runtime_error(what + ": " + failureOf(reply));
}

}  // namespace

AmqpPublisher::AmqpPublisher(AmqpSettings settings) : settings_(std::move(settings)) {
    std::vector<char> url(settings_.url.begin(), settings_.url.end());
    url.push_back('\0');  // amqp_parse_url cuts the buffer into its parts
    amqp_connection_info info;
    amqp_default_connection_info(&info);
    if (amqp_parse_url(url.data(), &info) != AMQP_STATUS_OK)
        throw std::invalid_argument("AMQP URL must be amqp[s]://user:password@host:port/vhost");
    tls_ = info.ssl != 0;
    host_ = info.host;
    port_ = info.port;
    user_ = info.user;
    password_ = info.password;
    vhost_ = info.vhost;
    if (settings_.exchange.empty() || settings_.exchange.size() > 255)
        throw std::invalid_argument("AMQP exchange name must be 1 to 255 bytes");
    described_ = (tls_ ? "amqps://" : "amqp://") + host_ + ":" + std::to_string(port_) + "/" + vhost_ + " exchange " +
                 settings_.exchange;
}

AmqpPublisher::~AmqpPublisher() { disconnect(); }

void AmqpPublisher::connect() {
    connection_ = amqp_new_connection();
    if (connection_ == nullptr) throw std::runtime_error("cannot allocate an AMQP connection");
    amqp_socket_t* socket = tls_ ? tlsSocket() : amqp_tcp_socket_new(connection_);
    if (socket == nullptr) throw std::runtime_error("cannot create a socket");
    const timeval timeout = timevalOf(settings_.timeout);
    const int opened = amqp_socket_open_noblock(socket, host_.c_str(), port_, &timeout);
    if (opened != AMQP_STATUS_OK)
        throw std::runtime_error(std::string("cannot connect: ") + amqp_error_string2(opened));
    amqp_set_rpc_timeout(connection_, &timeout);
    // Heartbeats off: nothing reads between deliveries, and a dead link shows on the next one.
    check(amqp_login(connection_, vhost_.c_str(), 0, AMQP_DEFAULT_FRAME_SIZE, 0, AMQP_SASL_METHOD_PLAIN, user_.c_str(),
                     password_.c_str()),
          "login as '" + user_ + "'");
    amqp_channel_open(connection_, kChannel);
    check(amqp_get_rpc_reply(connection_), "open a channel");
    amqp_exchange_declare(connection_, kChannel, bytesOf(settings_.exchange), amqp_cstring_bytes("topic"), 0, 1, 0, 0,
                          amqp_empty_table);
    check(amqp_get_rpc_reply(connection_), "declare the topic exchange '" + settings_.exchange + "'");
    amqp_confirm_select(connection_, kChannel);
    check(amqp_get_rpc_reply(connection_), "turn on publisher confirms");
    published_ = 0;
}

amqp_socket_t* AmqpPublisher::tlsSocket() {
    amqp_socket_t* socket = amqp_ssl_socket_new(connection_);
    if (socket == nullptr) return nullptr;
    amqp_ssl_socket_set_verify_peer(socket, 1);
    // The name check is OpenSSL's own, set on the context: librabbitmq's matches DNS names only,
    // so a broker reached by its IP address (with that address in the certificate) would fail.
    amqp_ssl_socket_set_verify_hostname(socket, 0);
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(static_cast<SSL_CTX*>(amqp_ssl_socket_get_context(socket)));
    Poco::Net::IPAddress address;
    const bool named = Poco::Net::IPAddress::tryParse(host_, address)
                           ? X509_VERIFY_PARAM_set1_ip_asc(param, host_.c_str()) == 1
                           : X509_VERIFY_PARAM_set1_host(param, host_.c_str(), host_.size()) == 1;
    if (!named) throw std::runtime_error("cannot check the broker's certificate for " + host_);
    if (amqp_ssl_socket_set_ssl_versions(socket, AMQP_TLSv1_2, AMQP_TLSvLATEST) != AMQP_STATUS_OK)
        throw std::runtime_error("cannot require TLS 1.2 or later");
    if (!settings_.caFile.empty()) {
        if (amqp_ssl_socket_set_cacert(socket, settings_.caFile.c_str()) != AMQP_STATUS_OK)
            throw std::runtime_error("cannot load the CA certificates in " + settings_.caFile);
    } else if (SSL_CTX_set_default_verify_paths(static_cast<SSL_CTX*>(amqp_ssl_socket_get_context(socket))) != 1) {
        throw std::runtime_error("cannot load the system's CA certificates");
    }
    return socket;
}

void AmqpPublisher::disconnect() {
    if (connection_ == nullptr) return;
    amqp_connection_close(connection_, AMQP_REPLY_SUCCESS);  // bounded by the RPC timeout
    amqp_destroy_connection(connection_);
    connection_ = nullptr;
}

DeliveryResult AmqpPublisher::deliver(const store::OutboxEvent& event) {
    try {
        if (connection_ == nullptr) connect();
        DeliveryResult result = publish(event);
        if (!result.delivered) disconnect();  // start clean: a confirm may still be on its way
        return result;
    } catch (const std::exception& e) {
        disconnect();
        return {false, 0, e.what()};
    }
}

DeliveryResult AmqpPublisher::publish(const store::OutboxEvent& event) {
    const std::string body = eventJsonText(event);
    const std::string id = std::to_string(event.id);
    amqp_basic_properties_t properties{};
    properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
                        AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_APP_ID_FLAG;
    properties.content_type = amqp_cstring_bytes("application/json");
    properties.delivery_mode = 2;  // persistent: kept by a durable queue across broker restarts
    properties.message_id = bytesOf(id);
    properties.type = bytesOf(event.type);
    properties.timestamp = static_cast<uint64_t>(event.createdAtMs / 1000);
    properties.app_id = amqp_cstring_bytes("orderhost");
    const int sent = amqp_basic_publish(connection_, kChannel, bytesOf(settings_.exchange), bytesOf(event.type), 0, 0,
                                        &properties, bytesOf(body));
    if (sent != AMQP_STATUS_OK) return {false, 0, std::string("cannot publish: ") + amqp_error_string2(sent)};
    const std::uint64_t tag = ++published_;
    bool returned = false;  // not mandatory, so never expected; handled should a broker send one
    const auto deadline = std::chrono::steady_clock::now() + settings_.timeout;
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return {false, 0, "no publisher confirm within " + std::to_string(settings_.timeout.count()) + " ms"};
        const timeval wait = timevalOf(left);
        amqp_frame_t frame;
        const int status = amqp_simple_wait_frame_noblock(connection_, &frame, &wait);
        if (status == AMQP_STATUS_TIMEOUT) continue;
        if (status != AMQP_STATUS_OK)
            return {false, 0, std::string("waiting for the confirm: ") + amqp_error_string2(status)};
        if (frame.frame_type != AMQP_FRAME_METHOD) continue;
        switch (frame.payload.method.id) {
            case AMQP_BASIC_ACK_METHOD: {
                const auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
                if (ack->delivery_tag < tag) continue;    // an earlier message's (cannot happen: one in flight)
                amqp_maybe_release_buffers(connection_);  // frames are pooled per channel until released
                if (returned)
                    return {false, 0,
                            "unroutable: no queue is bound to exchange '" + settings_.exchange + "' for routing key '" +
                                event.type + "'"};
                return {true, 0, {}};
            }
            case AMQP_BASIC_NACK_METHOD:
                return {false, 0, "the broker refused the message (basic.nack)"};
            case AMQP_BASIC_RETURN_METHOD: {
                returned = true;
                amqp_message_t message;  // its header and body frames follow: read them away
                const amqp_rpc_reply_t read = amqp_read_message(connection_, frame.channel, &message, 0);
                if (read.reply_type != AMQP_RESPONSE_NORMAL)
                    return {false, 0, "reading a returned message: " + failureOf(read)};
                amqp_destroy_message(&message);
                break;
            }
            case AMQP_CHANNEL_CLOSE_METHOD:
            case AMQP_CONNECTION_CLOSE_METHOD: {
                amqp_rpc_reply_t closed{};
                closed.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
                closed.reply = frame.payload.method;
                return {false, 0, failureOf(closed)};
            }
            default:
                break;
        }
    }
}

}  // namespace orderhost::events
