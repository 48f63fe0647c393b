/* orderhost/ext/db.h must compile cleanly as C99 and as C11 (-Wall -Wextra -pedantic -Werror),
 * including the way a C plugin looks the extensions up and declares a migration. */
#include <orderhost/ext/db.h>

static const oh_migration first = {sizeof(oh_migration),
                                   1,
                                   OH_STR("stock table"),
                                   OH_STR("CREATE TABLE stock (sku VARCHAR(64))"),
                                   {NULL, 0},
                                   {NULL, 0}};
static const oh_migration* const all[] = {&first};
static const oh_migrations_ext migrations = {sizeof(oh_migrations_ext), OH_STR(""), 1, all};

size_t db_header_compiles_c(const oh_host_services* services);
size_t db_header_compiles_c(const oh_host_services* services) {
    const oh_db_ext* db = (const oh_db_ext*)services->get_extension(OH_EXT_DB);
    if (db == NULL || !OH_HAS_FIELD(db, oh_db_ext, execute)) return 0;
    return migrations.migration_count + OH_DB_MAX_ROWS + sizeof(OH_EXT_MIGRATIONS);
}
