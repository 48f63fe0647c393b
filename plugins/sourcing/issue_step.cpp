// orderhost.sourcing · issue-stock — the goods leave the warehouse (run it when the parcel
// ships): for every warehouse row the order has reserved, on_hand and reserved both go down by
// the reserved quantity (available does not change: it was already spoken for), and the
// order's allocation moves it from reserved to issued. A second run finds nothing reserved and
// issues nothing. An order with nothing reserved (only services, or everything backordered)
// issues nothing and goes on.
//
// compensate(): puts the issued goods back as RESERVED (on_hand and reserved both up), not as
// available: undo runs in reverse chain order, so reserve-stock's compensate comes next and
// releases them; a chain that stops undoing there keeps the goods for the order. Goods that
// already came back through restock stay where restock put them. Repeating it changes nothing.
//
// Writes /sourcing/status = "issued", /sourcing/issued = [{"sku","warehouse","bin","quantity"}]
// (everything the order has issued so far); compensate: /sourcing/status = "reserved",
// /sourcing/unissued = [...] (what this undo put back).
#include "sourcing.hpp"

namespace orderhost::sourcing {

sdk::Outcome IssueStep::run(sdk::StepCall& call) {
    sdk::Database db(call);
    const StockLedger ledger(call, db);
    for (const Allocation& a : ledger.allocations())
        if (a.reserved > 0 && !ledger.issue(a))
            return sdk::Outcome::fail("stock_mismatch",
                                      "the reservation of " + a.sku + " in " + a.warehouse +
                                          " no longer matches the stock row: check sourcing_stock_check");
    std::vector<Placement> issued;
    for (const Allocation& a : ledger.allocations())
        if (a.issued > 0) issued.push_back({a.warehouse, a.sku, a.bin, a.issued});
    call.order().set("/sourcing/status", "issued");
    call.order().setJson("/sourcing/issued", placementArray(issued));
    return sdk::Outcome::proceed();
}

sdk::Outcome IssueStep::compensate(sdk::StepCall& call) {
    sdk::Database db(call);
    const StockLedger ledger(call, db);
    std::vector<Placement> back;
    for (const Allocation& a : ledger.allocations())
        if (a.issued > a.returned && ledger.unissue(a))
            back.push_back({a.warehouse, a.sku, a.bin, a.issued - a.returned});
    if (!back.empty() || call.order().optionalString("/sourcing/status").value_or("") == "issued")
        call.order().set("/sourcing/status", "reserved");
    call.order().setJson("/sourcing/unissued", placementArray(back));
    return sdk::Outcome::proceed();
}

}  // namespace orderhost::sourcing
