#include "host/events/WebhookSignature.h"

#include <sodium.h>

#include <stdexcept>

namespace orderhost::events {

std::string hmacSha256Hex(const std::string& secret, const std::string& message) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()), message.size());
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(&state, mac);
    char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    return hex;
}

std::string webhookSignature(const std::vector<std::string>& secrets, std::int64_t unixSeconds,
                             const std::string& body) {
    if (secrets.empty()) return "";
    const std::string stamp = std::to_string(unixSeconds);
    std::string header = "t=" + stamp;
    for (const auto& secret : secrets) header += ",v1=" + hmacSha256Hex(secret, stamp + "." + body);
    return header;
}

}  // namespace orderhost::events
