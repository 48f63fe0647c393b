#include "host/store/QuoteStore.h"

#include "host/store/OdbcStatement.h"
#include "host/store/OrderFields.h"
#include "host/store/PreparedStatements.h"

#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>
#include <spdlog/spdlog.h>

#include <atomic>

using namespace Poco::Data::Keywords;
using Poco::Nullable;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace orderhost::store {
namespace {

using namespace fields;

constexpr Field kQuoteId{"quote id", 36, true}, kQuoteClient{"client", 64, true};

// When this process last purged old quotes (ms); 0: never.
std::atomic<int64_t> lastPurgeMs{0};
constexpr int64_t kPurgeEveryMs = 60 * 1000;

}  // namespace

void QuoteStore::save(const QuoteRecord& q) {
    const std::string op = "save quote " + shown(q.id);
    check(db_, op, kQuoteId, q.id);
    check(db_, op, kQuoteClient, q.client);
    check(db_, op, kChain, q.chain);
    check(db_, op, kDocument, q.document);
    check(db_, op, kDocument, q.draft);
    db_.withSession(op, [&](Session& s) {
        Statement st(s);
        st << "INSERT INTO quotes (id, client, chain, chain_version, draft, document, created_at, valid_until)"
              " VALUES (?, ?, ?, ?, "
           << Dialect::textParam() << ", " << Dialect::textParam() << ", ?, ?)",
            bind(q.id), bind(q.client), bind(q.chain), bind(q.chainVersion);
        db_.dialect().bindText(st, q.draft);
        db_.dialect().bindText(st, q.document);
        st, bind(static_cast<Poco::Int64>(q.createdAtMs)), bind(static_cast<Poco::Int64>(q.validUntilMs));
        st.execute();
    });
    int64_t last = lastPurgeMs.load();
    if (q.createdAtMs - last >= kPurgeEveryMs && lastPurgeMs.compare_exchange_strong(last, q.createdAtMs)) {
        try {
            db_.withSession("purge old quotes", [&](Session& s) {
                const Poco::Int64 before = q.createdAtMs - kQuoteRetentionMs;
                s << "DELETE FROM quotes WHERE valid_until < ? AND used_by_order IS NULL", bind(before), now;
            });
        } catch (const StoreError& e) {  // the quote is saved; the next purge tries again
            spdlog::warn("purging old quotes failed: {}", e.what());
        }
    }
}

std::optional<QuoteRecord> QuoteStore::find(const std::string& id) {
    const std::string op = "find quote " + shown(id);
    return db_.withSession(op, [&](Session& s) -> std::optional<QuoteRecord> {
        QuoteRecord q;
        Nullable<std::string> draft, document, usedBy;
        Nullable<Poco::Int64> draftBytes, documentBytes, usedAt;
        Poco::Int64 created = 0, validUntil = 0;
        std::size_t rows = 0;
        const std::string sql = "SELECT id, client, chain, chain_version, draft, " +
                                db_.dialect().octetLength("draft") + ", document, " +
                                db_.dialect().octetLength("document") +
                                ", created_at, valid_until, used_by_order, used_at FROM quotes WHERE id = ?";
        // Kept and read in pieces when the database keeps statements: Poco::Data would allocate
        // a buffer of the largest document (16 MiB) for each of the two columns at every read.
        if (PreparedStatements* kept = db_.keepsStatements() ? PreparedStatements::of(s) : nullptr) {
            static const std::string key = "odbc:quote by id";
            runKeptOdbc(*kept, key, keptOdbcStatement(*kept, s, key, sql), {id},
                        [&](const std::vector<std::optional<std::string>>& row) {
                            ++rows;
                            q.id = row.at(0).value_or(std::string());
                            q.client = row.at(1).value_or(std::string());
                            q.chain = row.at(2).value_or(std::string());
                            q.chainVersion = static_cast<int>(odbcInteger(row.at(3), 0));
                            draft = odbcNullableText(row.at(4));
                            draftBytes = odbcNullableInteger(row.at(5));
                            document = odbcNullableText(row.at(6));
                            documentBytes = odbcNullableInteger(row.at(7));
                            created = odbcInteger(row.at(8), 0);
                            validUntil = odbcInteger(row.at(9), 0);
                            usedBy = odbcNullableText(row.at(10));
                            usedAt = odbcNullableInteger(row.at(11));
                        });
        } else {
            Statement st(s);
            st << sql, bind(id), into(q.id), into(q.client), into(q.chain), into(q.chainVersion), into(draft),
                into(draftBytes), into(document), into(documentBytes), into(created), into(validUntil), into(usedBy),
                into(usedAt);
            st.execute();
            rows = st.rowsExtracted();
        }
        if (rows == 0) return std::nullopt;
        q.draft = draft.isNull() ? std::string() : draft.value();
        q.document = document.isNull() ? std::string() : document.value();
        // Reads truncate silently past the declared size: never hand out a cut document.
        if (documentBytes.isNull() || static_cast<Poco::Int64>(q.document.size()) != documentBytes.value() ||
            draftBytes.isNull() || static_cast<Poco::Int64>(q.draft.size()) != draftBytes.value())
            throw StoreError(db_.errorMessage(op, "the quote's documents read back truncated"));
        q.createdAtMs = created;
        q.validUntilMs = validUntil;
        q.usedByOrder = usedBy.isNull() ? std::string() : usedBy.value();
        q.usedAtMs = usedAt.isNull() ? 0 : usedAt.value();
        return q;
    });
}

}  // namespace orderhost::store
