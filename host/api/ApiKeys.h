// API keys and roles (issue 13 item 3): what a key looks like, how its secret is kept, and
// what each role may do.
//
// A key is "ohk_<id>_<secret>": <id> is 12 hex digits, public (it finds the row and names the
// key in lists and logs); <secret> is 64 hex digits (32 random bytes from libsodium). The
// table keeps BLAKE2b-256 of the secret only. Why not a password hash (Argon2): the secret is
// 256 random bits, not something a person chose, so it cannot be guessed from its hash
// however fast the hash is, and a slow hash would cost every request tens of milliseconds.
//
// Roles: erp (place orders, act on them — cancel, return, signals, inquiries — and read them),
// viewer (read orders, events and metrics), admin (plugins, chains, manual actions, dead
// letters, and reading). A key holds one or more roles, and may be limited to chains.
#pragma once

#include "host/store/ApiKeyStore.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace orderhost::api {

enum Role : unsigned { kRoleErp = 1u, kRoleViewer = 2u, kRoleAdmin = 4u };
inline constexpr unsigned kAllRoles = kRoleErp | kRoleViewer | kRoleAdmin;

// What a route needs; a caller passes when it holds any role of the set.
enum class Access : unsigned {
    Read = kRoleErp | kRoleViewer | kRoleAdmin,  // orders, events, inquiries, metrics, readiness
    Act = kRoleErp,                              // place, cancel, return, signals, inquiries
    Administer = kRoleAdmin,                     // plugins, chains, manual actions, dead letters
};

// "erp,viewer" → bits; throws std::invalid_argument naming an unknown or missing role.
unsigned parseRoles(const std::string& text);
std::string rolesText(unsigned roles);
// The roles an Access allows, for messages: "erp or admin".
std::string describeAccess(Access access);

// "a,b" → {"a", "b"}; throws std::invalid_argument naming a name that is not a chain name.
std::vector<std::string> parseChainList(const std::string& text);

struct NewApiKey {
    std::string token;  // shown once to whoever made it
    store::ApiKeyRecord record;
};

// A new key; throws std::invalid_argument for a bad name, roles or chains.
NewApiKey makeApiKey(const std::string& name, const std::string& roles, const std::string& chains, std::int64_t nowMs);

// Splits "ohk_<id>_<secret>"; false when `token` does not have that shape.
bool splitApiKey(const std::string& token, std::string& id, std::string& secret);
// Hex of the secret's hash, as api_keys.secret_hash keeps it.
std::string hashSecret(const std::string& secret);
// Compares in time that does not depend on where they differ.
bool sameSecret(const std::string& a, const std::string& b);

}  // namespace orderhost::api
