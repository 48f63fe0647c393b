#include "host/store/Datasources.h"

#include <algorithm>

namespace orderhost::store {

Datasources::Datasources(Database& host, const std::map<std::string, DatasourceConfig>& configured) : host_(host) {
    for (const auto& [name, config] : configured) {
        if (isHost(name))
            throw StoreError("orderhost store: datasource '" + name +
                             "' is reserved for the host's own database (database.connection)");
        DatabaseOptions options;
        options.migrate = false;  // not ours: plugins bring their own schema (migrations)
        options.maxSessions = std::max(1, config.poolSize);
        try {
            named_.emplace(name, std::make_unique<Database>(config.connection, options));
        } catch (const StoreError& e) {
            throw StoreError("datasource '" + name + "': " + e.what());
        }
    }
}

Database* Datasources::find(std::string_view name) const {
    if (isHost(name)) return &host_;
    const auto found = named_.find(name);
    return found == named_.end() ? nullptr : found->second.get();
}

std::vector<std::string> Datasources::names() const {
    std::vector<std::string> all{kHostName};
    for (const auto& entry : named_) all.push_back(entry.first);
    return all;
}

}  // namespace orderhost::store
