// The signature of a webhook delivery, so a receiver can tell the host's requests from forged
// ones and refuse old ones replayed (the scheme Stripe uses, which receivers know):
//
//   X-Orderhost-Signature: t=1733011200,v1=5f0c…(64 hex digits)[,v1=…]
//
// v1 = lowercase hex HMAC-SHA256(secret, "<t>.<body>"), t = the attempt's Unix time in
// seconds. One v1 per configured secret (events.webhook_secret lists several while a secret
// is rotated: the receiver accepts a request when any v1 matches one of its secrets).
// HMAC from libsodium (crypto_auth_hmacsha256), already the host's choice for hashing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace orderhost::events {

// Lowercase hex HMAC-SHA256 of `message` under `secret`.
std::string hmacSha256Hex(const std::string& secret, const std::string& message);

// The header's value for `body` sent at `unixSeconds`; "" when there is no secret.
std::string webhookSignature(const std::vector<std::string>& secrets, std::int64_t unixSeconds,
                             const std::string& body);

}  // namespace orderhost::events
