// What the orderhost.sourcing unit tests share: the plugin's real .so loaded by the SDK's test
// kit (its migrations run on the kit's SQLite database), stock loaded the way docs/plugins.md
// tells an ERP to (a stock row plus its "receipt" movement), and the reconciliation check.
#pragma once

#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

#include <string>

namespace sourcing_test {

using orderhost::testkit::FakeHost;

class SourcingTest : public ::testing::Test {
protected:
    void SetUp() override {
        host_.sql(
            "INSERT INTO sourcing_warehouses (warehouse, name, priority) VALUES"
            " ('WH-A', 'North', 20), ('WH-B', 'South', 10)");
    }

    // Goods arriving in a warehouse: the stock row grows and the ledger says why.
    void receive(const std::string& warehouse, const std::string& sku, std::int64_t quantity,
                 const std::string& bin = "") {
        const std::string n = std::to_string(quantity);
        host_.sql("INSERT INTO sourcing_inventory (sku, warehouse, bin, on_hand) VALUES ('" + sku + "', '" + warehouse +
                  "', '" + bin + "', " + n + ") ON CONFLICT (sku, warehouse) DO UPDATE SET on_hand = on_hand + " + n);
        host_.sql(
            "INSERT INTO sourcing_movements (reference, sku, warehouse, movement, on_hand_delta)"
            " VALUES ('test', '" +
            sku + "', '" + warehouse + "', 'receipt', " + n + ")");
    }
    void supplier(const std::string& sku, std::int64_t reorderPoint, std::int64_t reorderQuantity) {
        host_.sql(
            "INSERT INTO sourcing_suppliers (supplier, name) VALUES ('SUP-1', 'Fasteners Ltd')"
            " ON CONFLICT (supplier) DO NOTHING");
        host_.sql("INSERT INTO sourcing_sku_suppliers (sku, supplier, reorder_point, reorder_quantity) VALUES ('" +
                  sku + "', 'SUP-1', " + std::to_string(reorderPoint) + ", " + std::to_string(reorderQuantity) + ")");
    }

    std::int64_t column(const char* name, const std::string& warehouse, const std::string& sku) {
        return host_.queryInt(std::string("SELECT ") + name + " FROM sourcing_inventory WHERE warehouse = '" +
                              warehouse + "' AND sku = '" + sku + "'");
    }
    std::int64_t reserved(const std::string& warehouse, const std::string& sku) {
        return column("reserved", warehouse, sku);
    }
    std::int64_t onHand(const std::string& warehouse, const std::string& sku) {
        return column("on_hand", warehouse, sku);
    }
    std::int64_t requisitions() { return host_.queryInt("SELECT COUNT(*) FROM sourcing_requisitions"); }

    // Every stock row agrees with the movement ledger and the orders' allocations.
    void expectReconciled() {
        EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM sourcing_stock_check WHERE reconciled = 0"), 0)
            << host_.query("SELECT * FROM sourcing_stock_check");
    }

    oh_outcome_kind runAs(const std::string& kind, const std::string& config = "{}") {
        host_.config(config);
        EXPECT_EQ(host_.create(kind), OH_STATUS_OK) << host_.reportedError();
        host_.run();  // a thrown error is a FAIL result, with a status other than OK
        return host_.result().kind;
    }

    FakeHost host_{ORDERHOST_TEST_PLUGIN_SO};
};

}  // namespace sourcing_test
