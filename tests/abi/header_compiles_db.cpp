// orderhost/ext/db.h must compile cleanly as C++17 (-Wall -Wextra -pedantic -Werror).
#include <orderhost/ext/db.h>

namespace {
const oh_migration first = {sizeof(oh_migration),  1,
                            OH_STR("stock table"), OH_STR("CREATE TABLE stock (sku VARCHAR(64))"),
                            {nullptr, 0},          {nullptr, 0}};
const oh_migration* const all[] = {&first};
const oh_migrations_ext migrations = {sizeof(oh_migrations_ext), OH_STR(""), 1, all};
}  // namespace

size_t db_header_compiles_cxx(const oh_host_services* services);
size_t db_header_compiles_cxx(const oh_host_services* services) {
    auto db = static_cast<const oh_db_ext*>(services->get_extension(OH_EXT_DB));
    if (db == nullptr || !OH_HAS_FIELD(db, oh_db_ext, execute)) return 0;
    return migrations.migration_count + OH_DB_MAX_ROWS + sizeof(OH_EXT_MIGRATIONS);
}
