// The databases plugins may reach through the orderhost.db extension, by name.
//
// "orderhost" (and "") is the host's own database, passed in and not owned: plugin
// statements on it run inside the step's StepTransaction. Every other name is a datasource
// the administrator configured (`datasource.<name>.connection`), opened here without schema
// migrations (it is someone else's database) and used in autocommit.
//
//   Datasources sources(hostDb, {{"erp", {"Driver={PostgreSQL Unicode};...", 4}}});
//   Database* erp = sources.find("erp");      // nullptr for an unknown name
//
// Thread-safe after construction: the set of datasources never changes, and Database is.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/store/Database.h"

namespace orderhost::store {

// Mirrors app::HostSettings' DatasourceSettings without making the store depend on app.
struct DatasourceConfig {
    std::string connection;
    int poolSize = 4;
};

class Datasources {
public:
    static constexpr const char* kHostName = "orderhost";

    // Opens every configured datasource now, so a wrong connection string stops the start
    // instead of the first order. Throws StoreError naming the datasource.
    Datasources(Database& host, const std::map<std::string, DatasourceConfig>& configured);
    Datasources(const Datasources&) = delete;
    Datasources& operator=(const Datasources&) = delete;

    // True for "" and "orderhost": the names of the host's own database.
    static bool isHost(std::string_view name) { return name.empty() || name == kHostName; }

    Database& host() const { return host_; }
    // The database called `name` (the host's for "" and "orderhost"), or nullptr.
    Database* find(std::string_view name) const;
    // "orderhost" followed by the configured names, for "unknown datasource" messages.
    std::vector<std::string> names() const;

private:
    Database& host_;
    std::map<std::string, std::unique_ptr<Database>, std::less<>> named_;
};

}  // namespace orderhost::store
