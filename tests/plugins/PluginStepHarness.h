// A reference plugin's step as the host runs it, for the plugin tests in tests/plugins/<plugin>/:
// the real .so files through the registry, their migrations applied by the host, run() and
// compensate() through StepInstance inside a step transaction that the harness commits like
// the runner does (kept outcomes commit, RETRY and FAIL roll back). Every backend. Written in
// the pattern of tests/host/services/SourcingStepTest.cpp, so that it converts to the SDK test
// kit (OrderHost::testkit) once that has landed.
#pragma once

#include "host/engine/ChainRunner.h"
#include "host/engine/StepInstance.h"
#include "host/plugins/PluginRegistry.h"
#include "host/services/DeclaredMigrations.h"
#include "host/services/HostServices.h"
#include "host/store/Datasources.h"
#include "host/store/StepTransaction.h"
#include "tests/support/TestDatabase.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace orderhost::plugintests {

class PluginStepTest : public ::testing::TestWithParam<testing::TestBackend> {
protected:
    // Loads every plugin these tests use into one registry (one database holds all their tables).
    static void SetUpTestSuite() {
        if (registry_ != nullptr) return;
        plugins::RegistryOptions options;
        options.probeFirst = false;
        registry_ = new plugins::PluginRegistry(services::hostInfo(), options);
        for (const char* file :
             {"orderhost-billing.so", "orderhost-credit.so", "orderhost-returns.so", "orderhost-payment.so"})
            ASSERT_NE(registry_->loadFile(std::filesystem::path(ORDERHOST_PLUGIN_DIR) / file), nullptr)
                << registry_->refusals().front().reason;
    }

    void SetUp() override {
        folder_ = testing::makeTempDir("orderhost-plugin-step");
        database_ = std::make_unique<testing::TestDatabase>(GetParam(), folder_);
        db_ = std::make_unique<store::Database>(database_->connectionString());
        sources_ = std::make_unique<store::Datasources>(*db_, std::map<std::string, store::DatasourceConfig>{});
        services::applyPluginMigrations(*registry_, *sources_);
    }
    void TearDown() override {
        sources_.reset();
        db_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }

    // A step instance of `pluginId`'s `kind` with `config` (throws engine::StepCreateError
    // when create() refuses it).
    std::unique_ptr<engine::StepInstance> makeStep(const std::string& pluginId, const std::string& kind,
                                                   const std::string& config) {
        const plugins::LoadedPlugin* plugin = registry_->find(pluginId);
        chains::StepDefinition definition;
        definition.name = kind;
        definition.plugin = pluginId;
        definition.stepKind = kind;
        definition.configJson = config;
        return std::make_unique<engine::StepInstance>(*plugin, *plugin->findStepKind(kind), definition, "test-chain",
                                                      [] { return std::int64_t{1767225600000}; });
    }

    // One attempt as the runner makes it; `keep` false forces a rollback (a later crash).
    services::ReportedOutcome call(engine::StepInstance& step, document::JsonDocument& order,
                                   const std::string& orderId, bool compensating = false, bool keep = true) {
        store::StepTransaction tx(*db_);
        engine::StepCallInfo info;
        info.orderId = orderId;
        // As the host: one key per order and step, the same for run() and compensate().
        info.idempotencyKey = engine::ChainRunner::idempotencyKey(orderId, step.definition().name);
        info.transaction = &tx;
        info.datasources = sources_.get();
        services::ReportedOutcome outcome = compensating ? step.compensate(order, info) : step.run(order, info);
        if (!keep || outcome.kind == OH_OUTCOME_RETRY || outcome.kind == OH_OUTCOME_FAIL)
            tx.rollback();
        else
            tx.commit();
        return outcome;
    }

    void exec(const std::string& sql) {
        Poco::Data::Session s = db_->session();
        s << sql, Poco::Data::Keywords::now;
    }
    std::int64_t number(const std::string& sql) {
        Poco::Int64 n = -1;
        Poco::Data::Session s = db_->session();
        s << sql, Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
        return n;
    }
    std::string text(const std::string& sql) {
        std::string value;
        Poco::Data::Session s = db_->session();
        s << sql, Poco::Data::Keywords::into(value), Poco::Data::Keywords::now;
        return value;
    }

    static document::JsonDocument parse(const std::string& json) {
        return std::move(*document::JsonDocument::parse(json).document);
    }
    static std::string at(const document::JsonDocument& doc, const std::string& pointer) {
        std::string json;
        doc.getJson(pointer, json);
        return json;
    }
    // A UUID-shaped order id, distinct per n.
    static std::string orderId(int n) {
        char id[40];
        std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", n);
        return id;
    }

    static plugins::PluginRegistry* registry_;
    std::string folder_;
    std::unique_ptr<testing::TestDatabase> database_;
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<store::Datasources> sources_;
};

}  // namespace orderhost::plugintests
