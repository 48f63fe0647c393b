#include "host/plugins/MigrationDeclarations.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <set>
#include <sstream>

namespace orderhost::plugins {
namespace {

std::string copy(oh_str s) { return s.ptr == nullptr ? std::string() : std::string(s.ptr, s.len); }

[[noreturn]] void refuse(const std::string& pluginId, const std::string& why) {
    throw PluginMigrationError("plugin " + pluginId + ": " + OH_EXT_MIGRATIONS + ": " + why);
}

DeclaredMigration readOne(const oh_migration* m, const std::string& pluginId, std::size_t index) {
    const std::string which = "migrations[" + std::to_string(index) + "]";
    if (m == nullptr || !OH_HAS_FIELD(m, oh_migration, sql_postgresql))
        refuse(pluginId, which + " is NULL or smaller than ABI 1.0's oh_migration");
    if (m->version == 0 || m->version > 1000000000u)
        refuse(pluginId, which + " has version " + std::to_string(m->version) + "; versions are 1, 2, 3...");
    return DeclaredMigration{static_cast<int>(m->version), copy(m->description), copy(m->sql), copy(m->sql_sqlite),
                             copy(m->sql_postgresql)};
}

}  // namespace

std::optional<DeclaredMigrations> readDeclaredMigrations(const oh_plugin_info& info, const std::string& pluginId) {
    if (!OH_HAS_FIELD(&info, oh_plugin_info, get_extension) || info.get_extension == nullptr) return std::nullopt;
    const auto* ext = static_cast<const oh_migrations_ext*>(info.get_extension(OH_EXT_MIGRATIONS));
    if (ext == nullptr) return std::nullopt;
    if (!OH_HAS_FIELD(ext, oh_migrations_ext, migrations))
        refuse(pluginId, "the table is smaller than ABI 1.0's oh_migrations_ext");
    if (ext->migration_count > 0 && ext->migrations == nullptr) refuse(pluginId, "migrations is NULL");
    DeclaredMigrations declared{copy(ext->datasource), {}};
    std::set<int> versions;
    for (std::uint32_t i = 0; i < ext->migration_count; ++i) {
        declared.migrations.push_back(readOne(ext->migrations[i], pluginId, i));
        if (!versions.insert(declared.migrations.back().version).second)
            refuse(pluginId, "version " + std::to_string(declared.migrations.back().version) + " is declared twice");
    }
    return declared;
}

std::string migrationsToJson(const DeclaredMigrations& declared) {
    Poco::JSON::Object root;
    root.set("datasource", declared.datasource);
    Poco::JSON::Array list;
    for (const DeclaredMigration& m : declared.migrations) {
        Poco::JSON::Object one;
        one.set("version", m.version);
        one.set("description", m.description);
        one.set("sql", m.sql);
        one.set("sql_sqlite", m.sqlSqlite);
        one.set("sql_postgresql", m.sqlPostgresql);
        list.add(one);
    }
    root.set("migrations", list);
    std::ostringstream out;
    root.stringify(out);
    return out.str();
}

DeclaredMigrations migrationsFromJson(const std::string& json) {
    const auto root = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
    DeclaredMigrations declared;
    declared.datasource = root->getValue<std::string>("datasource");
    const auto list = root->getArray("migrations");
    for (std::size_t i = 0; list && i < list->size(); ++i) {
        const auto one = list->getObject(static_cast<unsigned>(i));
        declared.migrations.push_back({one->getValue<int>("version"), one->getValue<std::string>("description"),
                                       one->getValue<std::string>("sql"), one->getValue<std::string>("sql_sqlite"),
                                       one->getValue<std::string>("sql_postgresql")});
    }
    return declared;
}

}  // namespace orderhost::plugins
