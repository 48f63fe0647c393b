// orderhost.sourcing — inventory check and reservation on the host's own database.
//
// Stock lives in sourcing_stock (on_hand, reserved per SKU; loaded by the ERP or an admin) and
// each order's reservations in sourcing_reservations, both created by this plugin's
// migrations. All statements run in the step's transaction, so a reservation exists exactly
// when the step's outcome was saved.
//
// run(): every SKU of the order (quantities of lines with the same SKU added up) must have
// on_hand - reserved >= quantity. If any is short, the order is REJECTed with code
// "out_of_stock" naming the SKUs, and NOTHING is reserved (the host keeps a REJECT's writes,
// so availability is checked for all lines before the first write). Otherwise each SKU is
// reserved once per order: the reservation row's primary key (order_id, sku) is claimed
// first, so running the step again for the same order reserves nothing twice.
// compensate(): releases the order's reservations; running it again releases nothing.
//
// Writes into the order document:
//   /sourcing = {"status": "reserved", "reserved": [{"sku": "A-1", "quantity": 2}, ...],
//                "unknown_skus": [...]}                          (CONTINUE)
//   /sourcing = {"status": "out_of_stock", "shortages": [{"sku", "requested", "available"}]}
//   /sourcing = {"status": "unknown_sku", "unknown_skus": [...]}  (REJECT)
//   /sourcing/status = "released", /sourcing/released = [...]   (compensate)
//
// Config: {"unknown_sku": "reject" | "ignore"} (default "reject"): a SKU without a stock row
// rejects the order ("unknown_sku"), or is left unreserved and listed under unknown_skus.
#include <orderhost/sdk.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sdk = orderhost::sdk;

namespace {

constexpr char kConfigSchema[] = R"({
  "type": "object",
  "properties": {"unknown_sku": {"enum": ["reject", "ignore"], "default": "reject"}}
})";

using Quantities = std::map<std::string, std::int64_t>;  // by SKU, sorted: stable messages

struct Shortage {
  std::string sku;
  std::int64_t requested;
  std::int64_t available;
};

// The order's lines summed by SKU.
Quantities requestedBySku(const sdk::OrderDocument& order) {
  Quantities wanted;
  const std::size_t lines = order.has("/lines") ? order.size("/lines") : 0;
  for (std::size_t i = 0; i < lines; ++i) {
    const std::int64_t quantity = order.integer(sdk::path("lines", i, "quantity"));
    if (quantity <= 0) throw sdk::Error(OH_STATUS_INVALID_ARGUMENT, sdk::path("lines", i, "quantity"), "must be positive");
    wanted[order.string(sdk::path("lines", i, "sku"))] += quantity;
  }
  return wanted;
}

std::string skuArray(const std::vector<std::string>& skus) {
  std::string json = "[";
  for (const std::string& sku : skus) json.append(json.size() > 1 ? "," : "").append(sdk::jsonQuote(sku));
  return json + "]";
}

std::string quantityArray(const Quantities& quantities) {
  std::string json = "[";
  for (const auto& [sku, quantity] : quantities)
    json.append(json.size() > 1 ? "," : "")
        .append(sdk::JsonObject().add("sku", sku).add("quantity", quantity).str());
  return json + "]";
}

class SourcingStep : public sdk::Step {
 public:
  explicit SourcingStep(sdk::CreateContext& ctx) {
    const std::string mode = ctx.config().optionalString("/unknown_sku").value_or("reject");
    if (mode != "reject" && mode != "ignore") throw sdk::ConfigError("unknown_sku", "must be \"reject\" or \"ignore\"");
    ignore_unknown_ = mode == "ignore";
  }

  sdk::Outcome run(sdk::StepCall& call) override {
    sdk::Database db(call);
    sdk::OrderDocument order = call.order();
    const std::string orderId(call.orderId());
    Quantities wanted = requestedBySku(order);
    const Quantities already = reservationsOf(db, orderId);
    std::vector<std::string> unknown;
    std::vector<Shortage> shortages;
    for (auto it = wanted.begin(); it != wanted.end();) {
      if (already.count(it->first) != 0) { ++it; continue; }  // reserved by an earlier run
      const std::vector<sdk::Row> stock = db.query(
          "SELECT on_hand - reserved AS available FROM sourcing_stock WHERE sku = ?", {it->first});
      if (stock.empty()) {
        unknown.push_back(it->first);
        it = wanted.erase(it);
        continue;
      }
      const std::int64_t available = stock.front().integer("available");
      if (available < it->second) shortages.push_back({it->first, it->second, available});
      ++it;
    }
    if (!unknown.empty() && !ignore_unknown_) return rejectUnknown(order, unknown);
    if (!shortages.empty()) return rejectShort(order, shortages);
    for (const auto& [sku, quantity] : wanted)
      if (!reserve(db, orderId, sku, quantity))
        return sdk::Outcome::retry("stock of " + sku + " changed while reserving; trying again")
            .withCode("stock_contention");
    order.setJson("/sourcing", sdk::JsonObject()
                                   .add("status", "reserved")
                                   .addJson("reserved", quantityArray(wanted))
                                   .addJson("unknown_skus", skuArray(unknown))
                                   .str());
    return sdk::Outcome::proceed();
  }

  sdk::Outcome compensate(sdk::StepCall& call) override {
    sdk::Database db(call);
    const std::string orderId(call.orderId());
    Quantities released;
    for (const auto& [sku, quantity] : reservationsOf(db, orderId)) {
      // Deleting first makes a concurrent or repeated compensate release each row once.
      if (db.execute("DELETE FROM sourcing_reservations WHERE order_id = ? AND sku = ?", {orderId, sku}) != 1)
        continue;
      db.execute("UPDATE sourcing_stock SET reserved = reserved - ? WHERE sku = ?", {quantity, sku});
      released[sku] = quantity;
    }
    call.order().set("/sourcing/status", "released");
    call.order().setJson("/sourcing/released", quantityArray(released));
    return sdk::Outcome::proceed();
  }

 private:
  static Quantities reservationsOf(const sdk::Database& db, const std::string& orderId) {
    Quantities reserved;
    for (const sdk::Row& row :
         db.query("SELECT sku, quantity FROM sourcing_reservations WHERE order_id = ?", {orderId}))
      reserved[row.string("sku")] = row.integer("quantity");
    return reserved;
  }

  // Claims the reservation row, then takes the stock. False when the stock no longer
  // suffices (another order won the race between the check and here): the caller retries,
  // and the host rolls this attempt's writes back.
  static bool reserve(const sdk::Database& db, const std::string& orderId, const std::string& sku,
                      std::int64_t quantity) {
    if (db.execute("INSERT INTO sourcing_reservations (order_id, sku, quantity) VALUES (?, ?, ?)"
                   " ON CONFLICT (order_id, sku) DO NOTHING",
                   {orderId, sku, quantity}) != 1)
      return true;  // already reserved for this order
    return db.execute("UPDATE sourcing_stock SET reserved = reserved + ?"
                      " WHERE sku = ? AND on_hand - reserved >= ?",
                      {quantity, sku, quantity}) == 1;
  }

  static sdk::Outcome rejectUnknown(sdk::OrderDocument& order, const std::vector<std::string>& unknown) {
    order.setJson("/sourcing", sdk::JsonObject().add("status", "unknown_sku").addJson("unknown_skus", skuArray(unknown)).str());
    std::string names;
    for (const std::string& sku : unknown) names += (names.empty() ? "" : ", ") + sku;
    return sdk::Outcome::reject("unknown_sku", "no stock record for: " + names);
  }

  static sdk::Outcome rejectShort(sdk::OrderDocument& order, const std::vector<Shortage>& shortages) {
    std::string json = "[", message;
    for (const Shortage& s : shortages) {
      json.append(json.size() > 1 ? "," : "")
          .append(sdk::JsonObject().add("sku", s.sku).add("requested", s.requested).add("available", s.available).str());
      message += (message.empty() ? "" : ", ") + s.sku + " (requested " + std::to_string(s.requested) +
                 ", available " + std::to_string(s.available) + ")";
    }
    order.setJson("/sourcing", sdk::JsonObject().add("status", "out_of_stock").addJson("shortages", json + "]").str());
    return sdk::Outcome::reject("out_of_stock", "out of stock: " + message);
  }

  bool ignore_unknown_ = false;  // read-only after construction (OH_STEP_THREAD_SAFE)
};

}  // namespace

ORDERHOST_MIGRATIONS("",
    ORDERHOST_MIGRATION(1, "sourcing_stock and sourcing_reservations",
                        "CREATE TABLE sourcing_stock ("
                        " sku VARCHAR(64) PRIMARY KEY,"
                        " on_hand BIGINT NOT NULL,"
                        " reserved BIGINT NOT NULL DEFAULT 0);"
                        "CREATE TABLE sourcing_reservations ("
                        " order_id VARCHAR(36) NOT NULL,"
                        " sku VARCHAR(64) NOT NULL,"
                        " quantity BIGINT NOT NULL,"
                        " PRIMARY KEY (order_id, sku))"));

ORDERHOST_PLUGIN("orderhost.sourcing", "1.0.0", "orderhost", "Inventory reservation on the host's database",
    ORDERHOST_STEP(SourcingStep, "reserve-stock", OH_CATEGORY_SOURCING,
                   "Reserves every line's stock, or rejects the order when any SKU is short",
                   kConfigSchema, OH_STEP_THREAD_SAFE | OH_STEP_NO_EXTERNAL_EFFECTS));
