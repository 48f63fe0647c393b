#include "host/store/OperationsCensus.h"

#include "host/store/Database.h"

#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace orderhost::store {

std::vector<OrderCount> ordersByChainAndState(Database& db) {
    return db.withSession("count orders by chain and state", [](Poco::Data::Session& s) {
        std::vector<std::string> chains, states;
        std::vector<Poco::Int64> counts;
        s << "SELECT chain, state, COUNT(*) FROM orders GROUP BY chain, state ORDER BY chain, state", into(chains),
            into(states), into(counts), now;
        std::vector<OrderCount> result;
        for (std::size_t i = 0; i < chains.size(); ++i) result.push_back({chains[i], states[i], counts[i]});
        return result;
    });
}

std::vector<SubscriberLag> outboxLagBySubscriber(Database& db, const std::vector<std::string>& subscribers) {
    return db.withSession("measure the outbox lag of webhook subscribers", [&](Poco::Data::Session& s) {
        std::vector<SubscriberLag> result;
        for (const auto& subscriber : subscribers) {
            std::vector<Poco::Int64> cursor;
            std::string name = subscriber;
            s << "SELECT last_event_id FROM relay_cursors WHERE subscriber = ?", use(name), into(cursor), now;
            Poco::Int64 after = cursor.empty() ? 0 : cursor.front();
            Poco::Int64 pending = 0;
            Poco::Nullable<Poco::Int64> oldest;
            // After the cursor in delivery order (Outbox.h): (txid, id) on PostgreSQL, id on SQLite.
            if (db.backend() == Backend::PostgreSQL) {
                Poco::Int64 again = after;
                s << "SELECT COUNT(*), MIN(created_at) FROM outbox"
                     " WHERE (txid, id) > (COALESCE((SELECT txid FROM outbox WHERE id = ?), 0), ?)",
                    use(after), use(again), into(pending), into(oldest), now;
            } else {
                s << "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE id > ?", use(after), into(pending),
                    into(oldest), now;
            }
            result.push_back({subscriber, pending, oldest.isNull() ? 0 : oldest.value()});
        }
        return result;
    });
}

}  // namespace orderhost::store
