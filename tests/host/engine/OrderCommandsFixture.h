// The fixture of the engine's cancel and return tests (OrderCommandsTest.cpp,
// ResumeAfterCancelTest.cpp): a placement chain of the scripted plugin, a cancel chain and a
// return chain, on real databases (SQLite and PostgreSQL).
#pragma once

#include "tests/host/engine/EngineTestFixture.h"

#include "host/engine/ChainRunner.h"

#include <string>
#include <vector>

namespace orderhost::engine {

class OrderCommandsTest : public ChainRunnerTest {
protected:
    // place-order: reserve (undoable) → wait (suspends) → ship (undoable); plus a cancel and a return chain.
    void SetUp() override {
        ChainRunnerTest::SetUp();
        chains::ChainDefinition place;
        place.name = "test-chain";
        place.version = 1;
        place.trigger = "place_order";
        place.steps = {step("reserve", "{}", 1, "undoable"), step("wait", R"({"outcome":"suspend"})"),
                       step("ship", "{}", 1, "undoable")};
        chains::ChainDefinition cancel;
        cancel.name = "cancel-order";
        cancel.version = 3;
        cancel.trigger = "cancel_order";
        cancel.steps = {step("refund", "{}")};
        chains::ChainDefinition giveBack;
        giveBack.name = "return-order";
        giveBack.version = 1;
        giveBack.trigger = "return_order";
        giveBack.steps = {step("restock", "{}"), step("credit-note", "{}")};
        definitions_ = {place, cancel, giveBack};
    }

    store::OrderRecord placed(const std::string& ref) {
        store::OrderRecord order;
        order.id = "00000000-0000-4000-8000-" + std::string(12 - ref.size(), '0') + ref;
        order.orderRef = "R-" + ref;
        order.chain = "test-chain";
        order.chainVersion = 1;
        order.state = states::kReceived;
        order.document = "{}";
        order.requestHash = "h";
        order.leaseOwner = "test-host";
        order.leaseUntilMs = 1000000;
        useChains(buildChains(definitions_, *registry_, services::systemClockMs));
        EXPECT_EQ(store_->insertOrder(order), store::InsertResult::Inserted);
        return ChainRunner(*engine_).run(order);
    }

    std::string trace(const std::string& id) {
        std::string json;
        document::JsonDocument::parse(store_->findById(id)->document).document->getJson("/trace", json);
        return json;
    }

    std::vector<chains::ChainDefinition> definitions_;
};

}  // namespace orderhost::engine
