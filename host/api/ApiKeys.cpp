#include "host/api/ApiKeys.h"

#include <Poco/StringTokenizer.h>
#include <sodium.h>

#include <algorithm>
#include <regex>

namespace orderhost::api {
namespace {

constexpr std::size_t kIdBytes = 6, kSecretBytes = 32;

void initSodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

std::string hex(const unsigned char* bytes, std::size_t size) {
    std::string text(size * 2 + 1, '\0');
    sodium_bin2hex(text.data(), text.size(), bytes, size);
    text.pop_back();
    return text;
}

std::string randomHex(std::size_t bytes) {
    std::vector<unsigned char> buffer(bytes);
    randombytes_buf(buffer.data(), buffer.size());
    return hex(buffer.data(), buffer.size());
}

bool isLowerHex(const std::string& text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "a, b,,c" → {"a", "b", "c"}, as HostSettings reads its lists.
std::vector<std::string> splitList(const std::string& text) {
    const Poco::StringTokenizer tokens(text, ",",
                                       Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    return {tokens.begin(), tokens.end()};
}

}  // namespace

unsigned parseRoles(const std::string& text) {
    unsigned roles = 0;
    for (const std::string& role : splitList(text)) {
        if (role == "erp")
            roles |= kRoleErp;
        else if (role == "viewer")
            roles |= kRoleViewer;
        else if (role == "admin")
            roles |= kRoleAdmin;
        else
            throw std::invalid_argument("unknown role '" + role.substr(0, 40) + "' (roles: erp, viewer, admin)");
    }
    if (roles == 0) throw std::invalid_argument("a key needs at least one role (erp, viewer, admin)");
    return roles;
}

std::string rolesText(unsigned roles) {
    std::string text;
    for (const auto& [bit, name] : {std::pair{kRoleErp, "erp"}, {kRoleViewer, "viewer"}, {kRoleAdmin, "admin"}}) {
        if ((roles & bit) != 0) text += (text.empty() ? "" : ",") + std::string(name);
    }
    return text;
}

std::string describeAccess(Access access) {
    const std::string roles = rolesText(static_cast<unsigned>(access));
    const auto comma = roles.rfind(',');
    if (comma == std::string::npos) return roles;
    std::string text;
    for (const char c : roles.substr(0, comma)) text += c == ',' ? std::string(", ") : std::string(1, c);
    return text + " or " + roles.substr(comma + 1);
}

std::vector<std::string> parseChainList(const std::string& text) {
    static const std::regex chainName("[a-z0-9-]{1,64}");
    std::vector<std::string> chains = splitList(text);
    for (const std::string& chain : chains) {
        if (!std::regex_match(chain, chainName)) {
            throw std::invalid_argument("'" + chain.substr(0, 70) +
                                        "' is not a chain name (lowercase letters, digits and -)");
        }
    }
    return chains;
}

NewApiKey makeApiKey(const std::string& name, const std::string& roles, const std::string& chains, std::int64_t nowMs) {
    initSodium();
    if (name.empty() || name.size() > 200 ||
        !std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c < 0x7f; })) {
        throw std::invalid_argument("a key's name is 1 to 200 printable ASCII characters");
    }
    NewApiKey key;
    key.record.id = randomHex(kIdBytes);
    const std::string secret = randomHex(kSecretBytes);
    key.token = "ohk_" + key.record.id + "_" + secret;
    key.record.name = name;
    key.record.secretHash = hashSecret(secret);
    key.record.roles = rolesText(parseRoles(roles));
    std::string chainText;
    for (const std::string& chain : parseChainList(chains)) chainText += (chainText.empty() ? "" : ",") + chain;
    // "--chains ','" or an empty variable must not make a key for every chain by mistake.
    if (chainText.empty() && chains.find_first_not_of(" \t") != std::string::npos)
        throw std::invalid_argument("--chains '" + chains.substr(0, 40) + "' names no chain");
    key.record.chains = chainText;
    key.record.createdAtMs = nowMs;
    return key;
}

bool splitApiKey(const std::string& token, std::string& id, std::string& secret) {
    const std::size_t idChars = kIdBytes * 2, secretChars = kSecretBytes * 2;
    if (token.size() != 4 + idChars + 1 + secretChars || token.compare(0, 4, "ohk_") != 0 || token[4 + idChars] != '_')
        return false;
    id = token.substr(4, idChars);
    secret = token.substr(5 + idChars);
    return isLowerHex(id) && isLowerHex(secret);
}

std::string hashSecret(const std::string& secret) {
    initSodium();
    unsigned char digest[crypto_generichash_BYTES];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                       nullptr, 0);
    return hex(digest, sizeof digest);
}

bool sameSecret(const std::string& a, const std::string& b) {
    std::size_t diff = a.size() ^ b.size();
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
        const char x = i < a.size() ? a[i] : 0;
        const char y = i < b.size() ? b[i] : 0;
        diff |= static_cast<unsigned char>(x ^ y);
    }
    return diff == 0;
}

}  // namespace orderhost::api
