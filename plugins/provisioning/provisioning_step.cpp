// orderhost.provisioning — service lines become service accounts (subscriptions).
//
// provision-service, run(): every line with /lines/<i>/kind "service" gets one account in
// provisioning_accounts, written in the step's transaction through orderhost.db: a random
// account id, the SKU and seats (the line's quantity), the term from config "terms" per SKU
// (calendar months from now, renewal auto|none), and a credential. The credential is 24
// random bytes (libsodium randombytes_buf), stored ONLY as a salted Argon2id hash
// (crypto_pwhash_str, interactive limits); its plaintext is handed over once, in the order
// document at /provisioning/accounts/<i>/initial_secret, for the notification step that
// sends it. Why the document and not a one-time retrieval: a plugin cannot add an HTTP
// endpoint, and the document is what the next step of the chain reads. The cost is that the
// plaintext lives in the stored document (and GET /v1/orders/{id}) until forget-initial-secrets
// (this plugin's second step kind, placed after the notification) removes it; docs/plugins.md
// says so. Events: one "service.provisioned" per account (never with the secret).
// Idempotent: accounts of the order exist already -> /provisioning is written from them again
// (without secrets: those are gone), nothing is created twice.
//
// compensate() (an undo or a cancellation): every active account of the order is
// deprovisioned (status deprovisioned, ends_at now), its secret removed from the document,
// and "service.deprovisioned" published per account. A second compensate finds none active
// and changes nothing.
//
// Thread contract: OH_STEP_THREAD_SAFE (members are read-only after construction; libsodium
// is initialised once in the constructor, sodium_init being thread-safe).
#include "service_term.hpp"

#include <sodium.h>
#include <orderhost/sdk.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sdk = orderhost::sdk;

namespace {

constexpr char kConfigSchema[] = R"({
  "type": "object",
  "required": ["terms"],
  "properties": {
    "terms": {"type": "object", "additionalProperties": {
      "type": "object", "required": ["months"],
      "properties": {"months": {"type": "integer", "minimum": 1, "maximum": 120},
                     "renewal": {"enum": ["auto", "none"], "default": "none"}}}},
    "unknown_sku": {"enum": ["reject", "skip"], "default": "reject"}
  }
})";

struct Term {
    int months = 0;
    std::string renewal;
};

// `bytes` random bytes, base64url without padding (a credential a person can copy).
std::string randomText(std::size_t bytes) {
    std::vector<unsigned char> raw(bytes);
    randombytes_buf(raw.data(), raw.size());
    std::string text(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(text.data(), text.size(), raw.data(), raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    text.resize(text.find('\0'));
    sodium_memzero(raw.data(), raw.size());
    return text;
}

std::string hashSecret(const std::string& secret) {
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, secret.data(), secret.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        throw sdk::Error(OH_STATUS_INTERNAL_ERROR, std::string(), "crypto_pwhash_str ran out of memory");
    return hash;
}

std::string accountJson(const sdk::Row& row) {
    sdk::JsonObject account;
    account.add("account_id", row.string("account_id"))
        .add("line", row.integer("line_no"))
        .add("sku", row.string("sku"))
        .add("seats", row.integer("seats"))
        .add("status", row.string("status"))
        .add("starts_at", row.integer("starts_at_ms"))
        .add("ends_at", row.integer("ends_at_ms"))
        .add("renewal", row.string("renewal"));
    return account.str();
}

std::string eventJson(const sdk::Row& row, const std::string& orderId) {
    return sdk::JsonObject()
        .add("account_id", row.string("account_id"))
        .add("order_id", orderId)
        .add("customer_id", row.string("customer_id"))
        .add("sku", row.string("sku"))
        .add("seats", row.integer("seats"))
        .add("starts_at", row.integer("starts_at_ms"))
        .add("ends_at", row.integer("ends_at_ms"))
        .add("renewal", row.string("renewal"))
        .str();
}

constexpr char kAccountColumns[] =
    "SELECT account_id, line_no, customer_id, sku, seats, status, starts_at_ms, ends_at_ms, renewal"
    " FROM provisioning_accounts WHERE order_id = ? ORDER BY line_no";

// /provisioning from the order's rows; `secrets` (line -> plaintext) only on the first run.
void writeAccounts(sdk::OrderDocument& order, const std::vector<sdk::Row>& rows, const std::string& status,
                   const std::map<std::int64_t, std::string>& secrets = {}) {
    std::string accounts = "[";
    for (const sdk::Row& row : rows) {
        std::string account = accountJson(row);
        auto secret = secrets.find(row.integer("line_no"));
        if (secret != secrets.end())
            account.insert(account.size() - 1, ",\"initial_secret\":" + sdk::jsonQuote(secret->second));
        accounts += (accounts.size() > 1 ? "," : "") + account;
    }
    order.setJson("/provisioning", sdk::JsonObject().add("status", status).addJson("accounts", accounts + "]").str());
}

// The SKU's term in months (1..120); 0 when absent or not such an integer.
int monthsOf(const sdk::Document& config, const std::string& sku) {
    try {
        const std::int64_t months = config.optionalInteger(sdk::path("terms", sku, "months")).value_or(0);
        return months >= 1 && months <= 120 ? static_cast<int>(months) : 0;
    } catch (const sdk::Error&) {
        return 0;
    }
}

class ProvisionServiceStep : public sdk::Step {
public:
    explicit ProvisionServiceStep(sdk::CreateContext& ctx) {
        if (sodium_init() < 0)
            throw sdk::Error(OH_STATUS_INTERNAL_ERROR, std::string(), "libsodium failed to initialise");
        const sdk::Document config = ctx.config();
        if (!config.has("/terms") || config.type("/terms") != sdk::JsonType::object)
            throw sdk::ConfigError("terms",
                                   "must be an object: SKU -> {\"months\": 1..120, \"renewal\": \"auto\"|\"none\"}");
        for (const std::string& sku : config.keys("/terms")) {
            Term term;
            term.months = monthsOf(config, sku);
            if (term.months == 0)
                throw sdk::ConfigError("terms." + sku + ".months", "must be an integer from 1 to 120");
            try {
                term.renewal = config.optionalString(sdk::path("terms", sku, "renewal")).value_or("none");
            } catch (const sdk::Error&) {
                term.renewal.clear();  // not a string: refused below
            }
            if (term.renewal != "auto" && term.renewal != "none")
                throw sdk::ConfigError("terms." + sku + ".renewal", "must be \"auto\" or \"none\"");
            terms_[sku] = term;
        }
        const std::string unknown = config.optionalString("/unknown_sku").value_or("reject");
        if (unknown != "reject" && unknown != "skip")
            throw sdk::ConfigError("unknown_sku", "must be \"reject\" (default) or \"skip\"");
        skip_unknown_ = unknown == "skip";
    }

    sdk::Outcome run(sdk::StepCall& call) override {
        sdk::Database db(call);
        sdk::OrderDocument order = call.order();
        const std::string orderId(call.orderId());
        const std::vector<sdk::Row> existing = db.query(kAccountColumns, {orderId});
        if (!existing.empty()) {  // provisioned by an earlier run whose result was kept
            writeAccounts(order, existing, "provisioned");
            return sdk::Outcome::proceed();
        }
        const std::string customer = order.optionalString("/customer/id").value_or("");
        const std::size_t count = order.has("/lines") ? order.size("/lines") : 0;
        // Every line is checked before anything is written: a REJECT keeps the step's writes.
        std::map<std::size_t, const Term*> lines;
        for (std::size_t i = 0; i < count; ++i) {
            if (order.optionalString(sdk::path("lines", i, "kind")).value_or("goods") != "service") continue;
            const std::string sku = order.optionalString(sdk::path("lines", i, "sku")).value_or("");
            const auto term = terms_.find(sku);
            if (term != terms_.end())
                lines[i] = &term->second;
            else if (!skip_unknown_)
                return sdk::Outcome::reject(
                    "unknown_service_sku",
                    "line " + std::to_string(i) + ": no term configured for service SKU '" + sku + "' (config terms)");
        }
        std::map<std::int64_t, std::string> secrets;
        const std::int64_t now = call.nowMs();
        for (const auto& [i, term] : lines) {
            const std::string sku = order.string(sdk::path("lines", i, "sku"));
            const std::string secret = randomText(24);
            db.execute(
                "INSERT INTO provisioning_accounts (account_id, order_id, line_no, customer_id, sku, seats, status,"
                " starts_at_ms, ends_at_ms, renewal, credential_hash, provisioned_at_ms)"
                " VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?)",
                {"acct-" + randomText(12), orderId, static_cast<std::int64_t>(i), customer, sku,
                 order.optionalInteger(sdk::path("lines", i, "quantity")).value_or(1), now,
                 provisioning::addMonths(now, term->months), term->renewal, hashSecret(secret), now});
            secrets[static_cast<std::int64_t>(i)] = secret;
        }
        const std::vector<sdk::Row> accounts = db.query(kAccountColumns, {orderId});
        writeAccounts(order, accounts, accounts.empty() ? "nothing_to_provision" : "provisioned", secrets);
        for (const sdk::Row& row : accounts) call.events().emit("service.provisioned", eventJson(row, orderId));
        return sdk::Outcome::proceed();
    }

    sdk::Outcome compensate(sdk::StepCall& call) override {
        sdk::Database db(call);
        sdk::OrderDocument order = call.order();
        const std::string orderId(call.orderId());
        const std::vector<sdk::Row> active = db.query(
            "SELECT account_id FROM provisioning_accounts WHERE order_id = ? AND status = 'active'", {orderId});
        const std::int64_t now = call.nowMs();
        db.execute(
            "UPDATE provisioning_accounts SET status = 'deprovisioned', ends_at_ms = ?, deprovisioned_at_ms = ?"
            " WHERE order_id = ? AND status = 'active'",
            {now, now, orderId});
        const std::vector<sdk::Row> accounts = db.query(kAccountColumns, {orderId});
        if (accounts.empty()) return sdk::Outcome::proceed();  // nothing was provisioned
        writeAccounts(order, accounts, "deprovisioned");       // and the secrets leave the document
        for (const sdk::Row& row : accounts)
            for (const sdk::Row& was : active)
                if (was.string("account_id") == row.string("account_id"))
                    call.events().emit("service.deprovisioned", eventJson(row, orderId));
        return sdk::Outcome::proceed();
    }

private:
    std::map<std::string, Term> terms_;  // SKU -> term; read-only after construction
    bool skip_unknown_ = false;
};

// Removes the plaintext credentials from the document once the notification step sent them.
class ForgetInitialSecretsStep : public sdk::Step {
public:
    explicit ForgetInitialSecretsStep(sdk::CreateContext&) {}

    sdk::Outcome run(sdk::StepCall& call) override {
        sdk::OrderDocument order = call.order();
        const std::size_t count = order.has("/provisioning/accounts") ? order.size("/provisioning/accounts") : 0;
        for (std::size_t i = 0; i < count; ++i)
            order.remove(sdk::path("provisioning", "accounts", i, "initial_secret"));
        return sdk::Outcome::proceed();
    }
    sdk::Outcome compensate(sdk::StepCall&) override { return sdk::Outcome::proceed(); }  // nothing to give back
};

}  // namespace

ORDERHOST_MIGRATIONS("", ORDERHOST_MIGRATION(1, "provisioning accounts",
                                             "CREATE TABLE provisioning_accounts ("
                                             " account_id VARCHAR(64) PRIMARY KEY,"
                                             " order_id VARCHAR(64) NOT NULL,"
                                             " line_no BIGINT NOT NULL,"
                                             " customer_id VARCHAR(256) NOT NULL,"
                                             " sku VARCHAR(256) NOT NULL,"
                                             " seats BIGINT NOT NULL,"
                                             " status VARCHAR(16) NOT NULL,"
                                             " starts_at_ms BIGINT NOT NULL,"
                                             " ends_at_ms BIGINT NOT NULL,"
                                             " renewal VARCHAR(8) NOT NULL,"
                                             " credential_hash VARCHAR(256) NOT NULL,"
                                             " provisioned_at_ms BIGINT NOT NULL,"
                                             " deprovisioned_at_ms BIGINT,"
                                             " UNIQUE (order_id, line_no))"));

ORDERHOST_PLUGIN(
    "orderhost.provisioning", "1.0.0", "orderhost", "Service accounts and subscriptions for service lines",
    ORDERHOST_STEP(ProvisionServiceStep, "provision-service", OH_CATEGORY_PROVISIONING,
                   "Creates a service account per service line (term, renewal, hashed credential); undo deprovisions",
                   kConfigSchema, OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS),
    ORDERHOST_STEP(ForgetInitialSecretsStep, "forget-initial-secrets", OH_CATEGORY_PROVISIONING,
                   "Removes /provisioning/accounts/*/initial_secret from the order once it was sent",
                   "{\"type\": \"object\"}", OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS));
