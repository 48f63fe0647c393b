// orderhost.sourcing — what the plugin's files share: its configuration, the stock ledger on
// the host's database, purchase requisitions and the three step classes.
//
// Tables (migrations in sourcing_plugin.cpp; docs/plugins.md#sourcing describes each column):
//   sourcing_warehouses      warehouse, name, priority (higher is chosen first)
//   sourcing_inventory       per SKU and warehouse: bin, on_hand, reserved, quarantined
//   sourcing_allocations     per order, SKU and warehouse: reserved, issued, returned
//   sourcing_movements       the ledger: every change of on_hand / reserved / quarantined
//   sourcing_suppliers, sourcing_sku_suppliers, sourcing_requisitions, sourcing_restocks,
//   sourcing_restock_lines, sourcing_restock_claims, and the view sourcing_stock_check (reconciliation).
// Every statement runs in the step's transaction: a movement exists exactly when the step's
// result was kept, so the ledger and the stock columns always agree.
#pragma once

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orderhost::sourcing {

namespace sdk = orderhost::sdk;

using Quantities = std::map<std::string, std::int64_t>;  // by SKU, sorted: stable output

// ---- configuration (sourcing_config.cpp) ---------------------------------------------------

enum class WarehouseRule { priority, single_warehouse };
enum class ShortagePolicy { reject, backorder, split };

struct SeedWarehouse {
    std::string warehouse, name;
    std::int64_t priority = 0;
};
struct SeedStock {
    std::string warehouse, sku, bin;
    std::int64_t on_hand = 0;
};
struct SeedSupplier {
    std::string supplier, name, email;
};
struct SeedSkuSupplier {
    std::string sku, supplier;
    std::int64_t reorder_point = 0, reorder_quantity = 0;
};

// Demo data (config "seed"), inserted by reserve-stock only while sourcing_warehouses is empty.
struct Seed {
    std::vector<SeedWarehouse> warehouses;
    std::vector<SeedStock> stock;
    std::vector<SeedSupplier> suppliers;
    std::vector<SeedSkuSupplier> sku_suppliers;
    bool empty() const { return warehouses.empty(); }
};

struct ReserveConfig {
    WarehouseRule rule = WarehouseRule::priority;
    ShortagePolicy shortage = ShortagePolicy::reject;
    bool ignore_unknown = false;
    bool requisitions = true;
    Seed seed;
};

// Throws sdk::ConfigError naming the field ("shortage", "seed.stock[1].on_hand").
ReserveConfig readReserveConfig(const sdk::Document& config);
// issue-stock and restock take no settings; anything given is refused by name.
void refuseAnySetting(const sdk::Document& config, const char* stepKind);

// ---- the stock ledger (stock_ledger.cpp) ---------------------------------------------------

// One stock row as the reservation sees it, in the order warehouses are chosen.
struct StockRow {
    std::string warehouse, sku, bin;
    std::int64_t available = 0;
    std::int64_t priority = 0;
};

// One row of sourcing_allocations (an order's stock in one warehouse).
struct Allocation {
    std::string warehouse, sku, bin;
    std::int64_t reserved = 0, issued = 0, returned = 0;
};

// A planned or done movement of one SKU in one warehouse.
struct Placement {
    std::string warehouse, sku, bin;
    std::int64_t quantity = 0;
};

class StockLedger {
public:
    StockLedger(const sdk::StepCall& call, const sdk::Database& db)
        : db_(db), order_id_(call.orderId()), reference_(call.stepName()), now_ms_(call.nowMs()) {}

    // The order's allocations in (sku, warehouse) order: the lock order of every step.
    std::vector<Allocation> allocations() const;
    // Locks the SKUs' stock rows in (sku, warehouse) order, then reads them by warehouse priority.
    std::vector<StockRow> lockAndRead(const Quantities& skus) const;
    // The same rows in the same order, only read: no lock, no write (a quote, reserve_quote.cpp).
    std::vector<StockRow> read(const Quantities& skus) const;
    // Each returns false when the guarded stock row did not allow the change.
    bool reserve(const Placement& p) const;
    bool release(const Allocation& a) const;
    bool issue(const Allocation& a) const;
    bool unissue(const Allocation& a) const;
    void restock(const Placement& p, bool damaged, const std::string& reference) const;
    void applySeed(const Seed& seed) const;

private:
    void record(const std::string& warehouse, const std::string& sku, const char* movement, std::int64_t on_hand,
                std::int64_t reserved, std::int64_t quarantined, const std::string& reference) const;

    const sdk::Database& db_;
    std::string order_id_, reference_;
    std::int64_t now_ms_;
};

// Sorts stock rows into the order warehouses are chosen in: priority first, then by code.
void sortByChoice(std::vector<StockRow>& rows);
// The seed's stock rows of these SKUs as read() would return them once the seed is applied
// (a quote on a demo database no order has seeded yet reads them, and writes nothing).
std::vector<StockRow> seedStock(const Seed& seed, const Quantities& skus);

std::string placementArray(const std::vector<Placement>& placements);
std::string quantityArray(const Quantities& quantities);
std::string skuArray(const std::vector<std::string>& skus);

// ---- what reserve-stock's run and quote share (reserve_step.cpp) --------------------------

constexpr char kStockArrived[] = "stock_arrived";  // the signal a backordered order waits for

// The order's goods lines (kind "goods" or none) summed by SKU; throws on a quantity <= 0.
Quantities requestedBySku(const sdk::OrderDocument& order);
// [{"sku", "requested", "available"}] of the short SKUs; appends "SKU (requested n, available
// m)" per SKU to `message`, the reason text of out_of_stock and backordered.
std::string shortageArray(const Quantities& remaining, const Quantities& shortBy, std::string& message);
// Removes from `remaining` the SKUs without a stock row that the order does not hold either;
// returns them. rejectUnknown: REJECT unknown_sku, with /sourcing naming them.
std::vector<std::string> removeUnknown(Quantities& remaining, const Quantities& held,
                                       const std::vector<StockRow>& stock);
sdk::Outcome rejectUnknown(sdk::OrderDocument& order, const std::vector<std::string>& unknown);
// What the order holds reserved after a run: the earlier runs' allocations plus this one's
// placements, by (sku, warehouse) like StockLedger::allocations() (no second query under the
// SKUs' row locks).
std::vector<Placement> reservedNow(const std::vector<Allocation>& before, const std::vector<Placement>& placed);

// ---- purchase requisitions (requisitions.cpp) ----------------------------------------------

// Opens a requisition for `sku` at its preferred supplier unless one is open already, and
// publishes purchase_requisition.created when it opened one. Returns the document entry
// ({"requisition", "sku", "supplier", "quantity", "reason", "created"}), or nothing when the
// SKU has no preferred supplier.
std::optional<std::string> requestPurchase(const sdk::StepCall& call, const sdk::Database& db, const std::string& sku,
                                           std::int64_t shortage, const char* reason);
// A requisition for every reserved SKU whose available stock fell below its reorder point.
std::vector<std::string> reorderBelowPoint(const sdk::StepCall& call, const sdk::Database& db,
                                           const Quantities& reserved);

// ---- the steps (reserve_step.cpp, issue_step.cpp, restock_step.cpp) ------------------------

class ReserveStep : public sdk::Step {
public:
    explicit ReserveStep(sdk::CreateContext& ctx) : config_(readReserveConfig(ctx.config())) {}
    sdk::Outcome run(sdk::StepCall& call) override;
    sdk::Outcome compensate(sdk::StepCall& call) override;

private:
    // Quote mode (reserve_quote.cpp): availability per line by the same plan, nothing taken.
    sdk::Outcome quote(sdk::StepCall& call) const;
    std::vector<Placement> plan(const Quantities& remaining, const std::vector<StockRow>& stock,
                                Quantities& shortBy) const;

    const ReserveConfig config_;  // read-only after construction (OH_STEP_THREAD_SAFE)
};

class IssueStep : public sdk::Step {
public:
    explicit IssueStep(sdk::CreateContext& ctx) { refuseAnySetting(ctx.config(), "issue-stock"); }
    sdk::Outcome run(sdk::StepCall& call) override;
    sdk::Outcome compensate(sdk::StepCall& call) override;
};

class RestockStep : public sdk::Step {
public:
    explicit RestockStep(sdk::CreateContext& ctx) { refuseAnySetting(ctx.config(), "restock"); }
    sdk::Outcome run(sdk::StepCall& call) override;
    sdk::Outcome compensate(sdk::StepCall& call) override;
};

}  // namespace orderhost::sourcing
