// The fixture of the orderhost.db tests: a test database (SQLite, and PostgreSQL when
// configured), a step transaction on it, a named SQLite datasource "side", and run() calling
// the extension exactly as a plugin would.
#pragma once

#include "host/services/DatabaseExtension.h"

#include "host/document/JsonDocument.h"
#include "host/services/CallContext.h"
#include "host/store/Datasources.h"
#include "host/store/StepTransaction.h"
#include "tests/support/TestDatabase.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace orderhost::services {

using namespace Poco::Data::Keywords;

class DatabaseExtensionTest : public ::testing::TestWithParam<testing::TestBackend> {
protected:
    void SetUp() override {
        folder_ = testing::makeTempDir("orderhost-dbext");
        database_ = std::make_unique<testing::TestDatabase>(GetParam(), folder_);
        db_ = std::make_unique<store::Database>(database_->connectionString());
        side_ = "Driver=SQLite3;Database=" + folder_ + "/side.db;";
        sources_ = std::make_unique<store::Datasources>(
            *db_, std::map<std::string, store::DatasourceConfig>{{"side", {side_, 2}}});
        tx_ = std::make_unique<store::StepTransaction>(*db_);
        exec(*db_, "CREATE TABLE items (k VARCHAR(16) PRIMARY KEY, n BIGINT, flag SMALLINT, note VARCHAR(200000))");
        ctx_.order = &order_;
        ctx_.transaction = tx_.get();
        ctx_.datasources = sources_.get();
    }
    void TearDown() override {
        tx_.reset();
        sources_.reset();
        db_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }

    static void exec(store::Database& db, const std::string& sql) {
        Poco::Data::Session s = db.session();
        s << sql, now;
    }
    static int count(store::Database& db, const std::string& table) {
        int n = -1;
        Poco::Data::Session s = db.session();
        s << "SELECT COUNT(*) FROM " + table, into(n), now;
        return n;
    }

    // Runs one statement through the extension, as a plugin would.
    oh_status run(const std::string& sql, const std::string& params = "[]", const std::string& source = "") {
        oh_str rowsOut{nullptr, 0}, errorOut{nullptr, 0};
        changed = -2;
        const oh_status st =
            databaseExtension().execute(&ctx_, {source.data(), source.size()}, {sql.data(), sql.size()},
                                        {params.data(), params.size()}, &rowsOut, &changed, &errorOut);
        rows = st == OH_STATUS_OK ? std::string(rowsOut.ptr, rowsOut.len) : "";
        error = std::string(errorOut.ptr, errorOut.len);
        return st;
    }

    std::string folder_, side_;
    std::unique_ptr<testing::TestDatabase> database_;
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<store::Datasources> sources_;
    std::unique_ptr<store::StepTransaction> tx_;
    document::JsonDocument order_;
    oh_context ctx_;
    std::string rows, error;
    std::int64_t changed = -2;
};

}  // namespace orderhost::services
