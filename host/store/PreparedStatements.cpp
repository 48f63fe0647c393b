#include "host/store/PreparedStatements.h"

#include <Poco/Any.h>
#include <Poco/Exception.h>

namespace orderhost::store {

PreparedStatements* PreparedStatements::of(Poco::Data::Session& session) {
    try {
        return Poco::AnyCast<PreparedStatements*>(session.getProperty(kSessionProperty));
    } catch (const Poco::Exception&) {
        return nullptr;  // a session that is not a pool's: the driver knows no such property
    }
}

void PreparedStatements::forgetPrefix(std::string_view prefix) {
    for (auto it = entries_.begin(); it != entries_.end();)
        it = it->first.compare(0, prefix.size(), prefix) == 0 ? entries_.erase(it) : std::next(it);
}

bool PreparedStatements::forgetAfterSchemaChange(std::string_view prefix) {
    const std::uint64_t now = schemaGeneration_.load(std::memory_order_relaxed);
    if (now == seenGeneration_) return false;
    seenGeneration_ = now;
    forgetPrefix(prefix);
    return true;
}

}  // namespace orderhost::store
