#include "host/store/OrderSearch.h"

#include <algorithm>

#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

using namespace Poco::Data::Keywords;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace orderhost::store {

OrderPage OrderSearch::find(const OrderQuery& query) {
    const std::string op = "search orders";
    if (query.limit == 0 || query.limit > kMaxOrderPageSize)
        throw StoreError(db_.errorMessage(
            op, "limit " + std::to_string(query.limit) + " is not between 1 and " + std::to_string(kMaxOrderPageSize)));
    return db_.withSession(op, [&](Session& s) {
        std::string where;
        std::vector<std::string> texts;  // bound in the order their conditions were added
        auto textFilter = [&](const char* column, const std::string& value) {
            if (value.empty()) return;
            // Dialect::bindText's placeholder: a text over 255 bytes goes as a CLOB on SQLite.
            where += std::string(where.empty() ? " WHERE " : " AND ") + column + " = " + Dialect::textParam();
            texts.push_back(value);
        };
        textFilter("customer_id", query.customerId);
        textFilter("order_ref", query.orderRef);
        textFilter("state", query.state);
        textFilter("chain", query.chain);
        // Numbers after texts: the SQL text keeps the same order as the bindings below.
        std::vector<Poco::Int64> numbers;
        auto numberFilter = [&](const char* condition, std::optional<int64_t> value) {
            if (!value) return;
            where += std::string(where.empty() ? " WHERE " : " AND ") + condition;
            numbers.push_back(*value);
        };
        numberFilter("created_at >= ?", query.createdFromMs);
        numberFilter("created_at < ?", query.createdToMs);
        if (query.after) {
            where +=
                std::string(where.empty() ? " WHERE " : " AND ") + "(created_at > ? OR (created_at = ? AND id > ?))";
        }
        std::vector<std::string> id, ref, chain, state;
        std::vector<Poco::Nullable<std::string>> customer;
        std::vector<int> version;
        std::vector<Poco::Int64> created, updated;
        Statement st(s);
        st << "SELECT id, order_ref, customer_id, chain, chain_version, state, created_at, updated_at FROM orders"
           << where << " ORDER BY created_at, id LIMIT ?";
        for (const std::string& text : texts) db_.dialect().bindText(st, text);  // customer ids reach 256 bytes
        for (Poco::Int64 number : numbers) st, bind(number);
        if (query.after)
            st, bind(static_cast<Poco::Int64>(query.after->createdAtMs)),
                bind(static_cast<Poco::Int64>(query.after->createdAtMs)), bind(query.after->id);
        const Poco::UInt64 fetch = query.limit + 1;  // one more tells whether a next page exists
        st, bind(fetch), into(id), into(ref), into(customer), into(chain), into(version), into(state), into(created),
            into(updated);
        st.execute();
        OrderPage page;
        const std::size_t rows = std::min(id.size(), query.limit);
        for (std::size_t i = 0; i < rows; ++i)
            page.orders.push_back({id[i], ref[i], customer[i].isNull() ? std::string() : customer[i].value(), chain[i],
                                   version[i], state[i], created[i], updated[i]});
        page.more = id.size() > query.limit;
        if (!page.orders.empty()) page.last = {page.orders.back().createdAtMs, page.orders.back().id};
        return page;
    });
}

std::vector<std::string> OrderSearch::chainsOf(const std::string& id) {
    return db_.withSession("read the chains of order " + id, [&](Poco::Data::Session& s) {
        std::string bound = id;
        std::vector<std::string> current;
        std::vector<Poco::Nullable<std::string>> first;
        s << "SELECT o.chain, (SELECT r.chain FROM step_runs r WHERE r.order_id = o.id ORDER BY r.seq LIMIT 1)"
             " FROM orders o WHERE o.id = ?",
            Poco::Data::Keywords::bind(bound), Poco::Data::Keywords::into(current), Poco::Data::Keywords::into(first),
            Poco::Data::Keywords::now;
        std::vector<std::string> chains;
        if (current.empty()) return chains;
        chains.push_back(current.front());
        if (!first.front().isNull() && first.front().value() != current.front())
            chains.push_back(first.front().value());
        return chains;
    });
}

}  // namespace orderhost::store
