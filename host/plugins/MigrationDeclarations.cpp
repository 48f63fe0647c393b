#include "host/plugins/MigrationDeclarations.h"

#include "host/plugins/AbiText.h"

#include <set>

namespace orderhost::plugins {
namespace {

std::string copy(oh_str s) { return std::string(textOf(s)); }

[[noreturn]] void refuse(const std::string& pluginId, const std::string& why) {
    throw PluginMigrationError("plugin " + pluginId + ": " + OH_EXT_MIGRATIONS + ": " + why);
}

DeclaredMigration readOne(const oh_migration* m, const std::string& pluginId, std::size_t index) {
    const std::string which = "migrations[" + std::to_string(index) + "]";
    if (m == nullptr || !OH_HAS_FIELD(m, oh_migration, sql_postgresql))
        refuse(pluginId, which + " is NULL or smaller than ABI 1.0's oh_migration");
    if (m->version == 0 || m->version > 1000000000u)
        refuse(pluginId, which + " has version " + std::to_string(m->version) + "; versions are 1, 2, 3...");
    for (const auto& [what, text] :
         {std::pair{"description", m->description}, std::pair{"sql", m->sql}, std::pair{"sql_sqlite", m->sql_sqlite},
          std::pair{"sql_postgresql", m->sql_postgresql}})
        if (!isReadable(text)) refuse(pluginId, unreadableText(which + "." + what, text));
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
    // Read as "", a NULL datasource would send the plugin's DDL to the host's own database.
    if (!isReadable(ext->datasource)) refuse(pluginId, unreadableText("datasource", ext->datasource));
    DeclaredMigrations declared{copy(ext->datasource), {}};
    std::set<int> versions;
    for (std::uint32_t i = 0; i < ext->migration_count; ++i) {
        declared.migrations.push_back(readOne(ext->migrations[i], pluginId, i));
        if (!versions.insert(declared.migrations.back().version).second)
            refuse(pluginId, "version " + std::to_string(declared.migrations.back().version) + " is declared twice");
    }
    return declared;
}

namespace {

// A netstring ("<length>:<bytes>"): any bytes, invalid UTF-8 and NUL included, come back as
// they were (JSON would not: Poco writes such bytes raw and then cannot read them back).
void putField(std::string& out, const std::string& field) { out += std::to_string(field.size()) + ":" + field; }

std::string takeField(const std::string& text, std::size_t& at) {
    const std::size_t colon = text.find(':', at);
    if (colon == std::string::npos || colon == at || colon - at > 10)
        throw std::runtime_error("malformed migration field at byte " + std::to_string(at));
    const std::string digits = text.substr(at, colon - at);
    if (digits.find_first_not_of("0123456789") != std::string::npos)
        throw std::runtime_error("malformed migration field length at byte " + std::to_string(at));
    const std::size_t length = std::stoul(digits);
    if (length > text.size() - colon - 1) throw std::runtime_error("truncated migration field");
    at = colon + 1 + length;
    return text.substr(colon + 1, length);
}

}  // namespace

std::string migrationsToText(const DeclaredMigrations& declared) {
    std::string out;
    putField(out, declared.datasource);
    putField(out, std::to_string(declared.migrations.size()));
    for (const DeclaredMigration& m : declared.migrations) {
        putField(out, std::to_string(m.version));
        for (const std::string* field : {&m.description, &m.sql, &m.sqlSqlite, &m.sqlPostgresql}) putField(out, *field);
    }
    return out;
}

DeclaredMigrations migrationsFromText(const std::string& text) {
    std::size_t at = 0;
    DeclaredMigrations declared;
    declared.datasource = takeField(text, at);
    const std::size_t count = std::stoul(takeField(text, at));
    for (std::size_t i = 0; i < count; ++i) {
        DeclaredMigration m;
        m.version = std::stoi(takeField(text, at));
        for (std::string* field : {&m.description, &m.sql, &m.sqlSqlite, &m.sqlPostgresql})
            *field = takeField(text, at);
        declared.migrations.push_back(std::move(m));
    }
    if (at != text.size()) throw std::runtime_error("trailing bytes after the migrations");
    return declared;
}

}  // namespace orderhost::plugins
