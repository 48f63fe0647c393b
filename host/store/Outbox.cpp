#include "host/store/Outbox.h"

#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace orderhost::store {

void appendOutboxEvents(Poco::Data::Session& session, const Dialect& dialect, const std::vector<OutboxEvent>& events) {
    for (const OutboxEvent& e : events) {
        Poco::Data::Statement st(session);
        st << "INSERT INTO outbox (order_id, event_type, payload, created_at) VALUES (?, ?, "
           << Dialect::textParam() << ", ?)",
            bind(e.orderId), bind(e.type);
        dialect.bindText(st, e.payloadJson);
        st, bind(e.createdAtMs);
        st.execute();
    }
}

}  // namespace orderhost::store
