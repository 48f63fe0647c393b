// orderhost.sourcing — inventory and sourcing on the host's own database: stock per SKU and
// warehouse, reservations as a ledger (reserve-stock → issue-stock → released on undo),
// shortage policies (reject, backorder, split), purchase requisitions to preferred suppliers,
// and restock of returned goods. The plugin's files:
//   sourcing.hpp          what they share          sourcing_config.cpp  config checks
//   stock_ledger.cpp      stock rows + movements   requisitions.cpp     purchase requisitions
//   reserve_step.cpp      reserve-stock            issue_step.cpp       issue-stock
//   restock_step.cpp      restock                  this file            tables and registration
//   reserve_quote.cpp     reserve-stock's answer to a quote (availability per line, read only)
// docs/plugins.md#sourcing is the administrator's description of all of it.
#include "sourcing.hpp"

namespace {

using orderhost::sourcing::IssueStep;
using orderhost::sourcing::ReserveStep;
using orderhost::sourcing::RestockStep;

constexpr char kReserveSchema[] = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "warehouse_rule": {"enum": ["priority", "single_warehouse"], "default": "priority"},
    "shortage": {"enum": ["reject", "backorder", "split"], "default": "reject"},
    "unknown_sku": {"enum": ["reject", "ignore"], "default": "reject"},
    "requisitions": {"type": "boolean", "default": true},
    "seed": {"type": "object", "description": "demo data, inserted while sourcing_warehouses is empty",
             "properties": {"warehouses": {"type": "array"}, "stock": {"type": "array"},
                            "suppliers": {"type": "array"}, "sku_suppliers": {"type": "array"}}}
  }
})";
constexpr char kNoSettings[] = R"({"type": "object", "additionalProperties": false})";

}  // namespace

// Migration 2 differs per backend only in the ledger's generated key.
#define SOURCING_V2_TABLES(MOVEMENT_ID)                                                                              \
    "CREATE TABLE sourcing_warehouses ("                                                                             \
    " warehouse VARCHAR(32) PRIMARY KEY,"                                                                            \
    " name VARCHAR(128) NOT NULL DEFAULT '',"                                                                        \
    " priority INTEGER NOT NULL DEFAULT 0);"                                                                         \
    "CREATE TABLE sourcing_inventory ("                                                                              \
    " sku VARCHAR(64) NOT NULL,"                                                                                     \
    " warehouse VARCHAR(32) NOT NULL REFERENCES sourcing_warehouses (warehouse),"                                    \
    " bin VARCHAR(32) NOT NULL DEFAULT '',"                                                                          \
    " on_hand BIGINT NOT NULL DEFAULT 0,"                                                                            \
    " reserved BIGINT NOT NULL DEFAULT 0,"                                                                           \
    " quarantined BIGINT NOT NULL DEFAULT 0,"                                                                        \
    " PRIMARY KEY (sku, warehouse),"                                                                                 \
    " CHECK (reserved >= 0 AND reserved <= on_hand AND quarantined >= 0));"                                          \
    "CREATE TABLE sourcing_allocations ("                                                                            \
    " order_id VARCHAR(64) NOT NULL,"                                                                                \
    " sku VARCHAR(64) NOT NULL,"                                                                                     \
    " warehouse VARCHAR(32) NOT NULL,"                                                                               \
    " reserved BIGINT NOT NULL DEFAULT 0,"                                                                           \
    " issued BIGINT NOT NULL DEFAULT 0,"                                                                             \
    " returned BIGINT NOT NULL DEFAULT 0,"                                                                           \
    " PRIMARY KEY (order_id, sku, warehouse));"                                                                      \
    "CREATE TABLE sourcing_movements (" MOVEMENT_ID                                                                  \
    ","                                                                                                              \
    " order_id VARCHAR(64),"                                                                                         \
    " reference VARCHAR(160) NOT NULL DEFAULT '',"                                                                   \
    " sku VARCHAR(64) NOT NULL,"                                                                                     \
    " warehouse VARCHAR(32) NOT NULL,"                                                                               \
    " movement VARCHAR(16) NOT NULL,"                                                                                \
    " on_hand_delta BIGINT NOT NULL DEFAULT 0,"                                                                      \
    " reserved_delta BIGINT NOT NULL DEFAULT 0,"                                                                     \
    " quarantined_delta BIGINT NOT NULL DEFAULT 0,"                                                                  \
    " at_ms BIGINT NOT NULL DEFAULT 0);"                                                                             \
    "CREATE INDEX sourcing_movements_stock ON sourcing_movements (sku, warehouse);"                                  \
    "CREATE TABLE sourcing_suppliers ("                                                                              \
    " supplier VARCHAR(32) PRIMARY KEY,"                                                                             \
    " name VARCHAR(128) NOT NULL DEFAULT '',"                                                                        \
    " email VARCHAR(256) NOT NULL DEFAULT '');"                                                                      \
    "CREATE TABLE sourcing_sku_suppliers ("                                                                          \
    " sku VARCHAR(64) PRIMARY KEY,"                                                                                  \
    " supplier VARCHAR(32) NOT NULL REFERENCES sourcing_suppliers (supplier),"                                       \
    " reorder_point BIGINT NOT NULL DEFAULT 0,"                                                                      \
    " reorder_quantity BIGINT NOT NULL DEFAULT 0);"                                                                  \
    "CREATE TABLE sourcing_requisitions ("                                                                           \
    " requisition VARCHAR(100) PRIMARY KEY,"                                                                         \
    " sku VARCHAR(64) NOT NULL,"                                                                                     \
    " supplier VARCHAR(32) NOT NULL,"                                                                                \
    " quantity BIGINT NOT NULL,"                                                                                     \
    " reason VARCHAR(16) NOT NULL,"                                                                                  \
    " status VARCHAR(16) NOT NULL DEFAULT 'open',"                                                                   \
    " order_id VARCHAR(64),"                                                                                         \
    " created_at_ms BIGINT NOT NULL DEFAULT 0);"                                                                     \
    "CREATE UNIQUE INDEX sourcing_requisitions_open ON sourcing_requisitions (sku)"                                  \
    " WHERE status = 'open';"                                                                                        \
    "CREATE TABLE sourcing_restocks ("                                                                               \
    " idempotency_key VARCHAR(160) PRIMARY KEY,"                                                                     \
    " order_id VARCHAR(64) NOT NULL,"                                                                                \
    " at_ms BIGINT NOT NULL DEFAULT 0);"                                                                             \
    "CREATE TABLE sourcing_restock_lines ("                                                                          \
    " idempotency_key VARCHAR(160) NOT NULL,"                                                                        \
    " sku VARCHAR(64) NOT NULL,"                                                                                     \
    " warehouse VARCHAR(32) NOT NULL,"                                                                               \
    " item_condition VARCHAR(16) NOT NULL,"                                                                          \
    " quantity BIGINT NOT NULL,"                                                                                     \
    " PRIMARY KEY (idempotency_key, sku, warehouse, item_condition));" /* Reconciliation: one row per stock row with \
                                                                          the ledger's and the allocations' sums. */ \
    "CREATE VIEW sourcing_stock_check AS SELECT i.sku, i.warehouse, i.on_hand, i.reserved,"                          \
    " i.quarantined, i.on_hand - i.reserved AS available,"                                                           \
    " COALESCE(m.on_hand, 0) AS ledger_on_hand, COALESCE(m.reserved, 0) AS ledger_reserved,"                         \
    " COALESCE(m.quarantined, 0) AS ledger_quarantined, COALESCE(a.reserved, 0) AS allocated,"                       \
    " CASE WHEN i.on_hand = COALESCE(m.on_hand, 0) AND i.reserved = COALESCE(m.reserved, 0)"                         \
    " AND i.quarantined = COALESCE(m.quarantined, 0) AND i.reserved = COALESCE(a.reserved, 0)"                       \
    " AND i.reserved <= i.on_hand THEN 1 ELSE 0 END AS reconciled"                                                   \
    " FROM sourcing_inventory i"                                                                                     \
    " LEFT JOIN (SELECT sku, warehouse, CAST(SUM(on_hand_delta) AS BIGINT) AS on_hand,"                              \
    " CAST(SUM(reserved_delta) AS BIGINT) AS reserved,"                                                              \
    " CAST(SUM(quarantined_delta) AS BIGINT) AS quarantined"                                                         \
    " FROM sourcing_movements GROUP BY sku, warehouse) m ON m.sku = i.sku AND m.warehouse = i.warehouse"             \
    " LEFT JOIN (SELECT sku, warehouse, CAST(SUM(reserved) AS BIGINT) AS reserved"                                   \
    " FROM sourcing_allocations GROUP BY sku, warehouse) a ON a.sku = i.sku AND a.warehouse = i.warehouse;"

// sourcing 1.0's single stock table becomes warehouse MAIN, its reservations allocations there.
#define SOURCING_V2_MOVE_V1_DATA                                                                        \
    "INSERT INTO sourcing_warehouses (warehouse, name, priority)"                                       \
    " SELECT 'MAIN', 'Main warehouse (sourcing 1.0 stock)', 0"                                          \
    " WHERE EXISTS (SELECT 1 FROM sourcing_stock) OR EXISTS (SELECT 1 FROM sourcing_reservations);"     \
    "INSERT INTO sourcing_inventory (sku, warehouse, bin, on_hand, reserved, quarantined)"              \
    " SELECT sku, 'MAIN', '', on_hand, reserved, 0 FROM sourcing_stock;"                                \
    "INSERT INTO sourcing_movements (order_id, reference, sku, warehouse, movement,"                    \
    " on_hand_delta, reserved_delta, quarantined_delta, at_ms)"                                         \
    " SELECT NULL, 'migration 2', sku, 'MAIN', 'opening', on_hand, reserved, 0, 0 FROM sourcing_stock;" \
    "INSERT INTO sourcing_allocations (order_id, sku, warehouse, reserved, issued, returned)"           \
    " SELECT order_id, sku, 'MAIN', quantity, 0, 0 FROM sourcing_reservations;"                         \
    "DROP TABLE sourcing_reservations;"                                                                 \
    "DROP TABLE sourcing_stock"

ORDERHOST_MIGRATIONS(
    "",
    ORDERHOST_MIGRATION(1, "sourcing_stock and sourcing_reservations",
                        "CREATE TABLE sourcing_stock ("
                        " sku VARCHAR(64) PRIMARY KEY,"
                        " on_hand BIGINT NOT NULL,"
                        " reserved BIGINT NOT NULL DEFAULT 0);"
                        "CREATE TABLE sourcing_reservations ("
                        " order_id VARCHAR(36) NOT NULL,"
                        " sku VARCHAR(64) NOT NULL,"
                        " quantity BIGINT NOT NULL,"
                        " PRIMARY KEY (order_id, sku))"),
    ORDERHOST_MIGRATION_PER_BACKEND(
        2, "warehouses, stock per warehouse, allocations, movement ledger, suppliers, requisitions, restocks",
        SOURCING_V2_TABLES(" id INTEGER PRIMARY KEY AUTOINCREMENT") SOURCING_V2_MOVE_V1_DATA,
        SOURCING_V2_TABLES(" id BIGSERIAL PRIMARY KEY") SOURCING_V2_MOVE_V1_DATA),
    // 2.1: undoing a return leaves its restocked goods where they are (restock_step.cpp): the
    // restock is marked standing, and a later return of the same units claims it.
    ORDERHOST_MIGRATION(3, "standing restocks of undone returns, and the claims on them",
                        "ALTER TABLE sourcing_restocks ADD COLUMN undone_at_ms BIGINT;"
                        "CREATE TABLE sourcing_restock_claims ("
                        " idempotency_key VARCHAR(160) NOT NULL,"
                        " from_key VARCHAR(160) NOT NULL,"
                        " sku VARCHAR(64) NOT NULL,"
                        " warehouse VARCHAR(32) NOT NULL,"
                        " item_condition VARCHAR(16) NOT NULL,"
                        " quantity BIGINT NOT NULL,"
                        " PRIMARY KEY (idempotency_key, from_key, sku, warehouse, item_condition))"));

ORDERHOST_PLUGIN("orderhost.sourcing", "2.1.0", "orderhost",
                 "Inventory and sourcing: warehouses, reservation ledger, backorders, purchase requisitions, restock",
                 ORDERHOST_STEP(ReserveStep, "reserve-stock", OH_CATEGORY_SOURCING,
                                "Reserves the goods lines in the warehouses; a shortage rejects, backorders or splits;"
                                " a quote gets the availability per line, nothing reserved",
                                kReserveSchema,
                                OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS | OH_STEP_ANSWERS_QUOTES),
                 ORDERHOST_STEP(IssueStep, "issue-stock", OH_CATEGORY_SOURCING,
                                "Issues the order's reserved stock at shipment (on hand and reserved go down)",
                                kNoSettings, OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS),
                 ORDERHOST_STEP(RestockStep, "restock", OH_CATEGORY_SOURCING,
                                "Puts returned goods back: resellable to available, damaged to quarantine", kNoSettings,
                                OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS));
