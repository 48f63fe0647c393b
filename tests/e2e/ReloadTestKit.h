// What the hot-reload end-to-end tests share (HotReloadE2ETest.cpp, ReloadRefusalE2ETest.cpp):
// orders, chain files in the shape the tests read back, and installing a plugin file the way an
// installer must.
#pragma once

#include "HostProcess.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>

namespace orderhost::testing::reloadkit {

inline Poco::JSON::Object::Ptr json(const std::string& body) {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

inline std::string order(const std::string& ref, const std::string& customer = "C-100") {
    return R"({"order_ref":")" + ref + R"(","currency":"EUR","customer":{"id":")" + customer +
           R"("},"lines":[{"sku":"SKU-1","quantity":1}]})";
}

// place-order at `version`: validation, credit (C-SMALL waits for credit_approval) and a last
// step named after the version, so an order's step history tells which version it ran.
inline std::string placeOrderChain(int version) {
    return "name: place-order\nversion: " + std::to_string(version) +
           "\ntrigger: place_order\nsteps:\n"
           "  - name: validate\n    plugin: orderhost.validation\n    step: validate\n"
           "    config:\n      catalog:\n        SKU-1: { price: 1000 }\n"
           "  - name: credit\n    plugin: orderhost.credit\n    step: check-credit\n"
           "    config:\n      exposure: order\n      default_limit: 100000\n      limits:\n        C-SMALL: 500\n"
           "  - name: done-v" +
           std::to_string(version) + "\n    plugin: orderhost.noop\n    step: noop\n";
}

// The stamp chain: both test.stamp steps around the credit hold, so an order held on the old
// chain version runs its second stamp after the plugin's file was swapped.
inline std::string stampChain(int version) {
    return "name: place-order\nversion: " + std::to_string(version) +
           "\ntrigger: place_order\nsteps:\n"
           "  - name: validate\n    plugin: orderhost.validation\n    step: validate\n"
           "    config:\n      catalog:\n        SKU-1: { price: 1000 }\n"
           "  - name: stamp-a\n    plugin: test.stamp\n    step: stamp\n"
           "  - name: credit\n    plugin: orderhost.credit\n    step: check-credit\n"
           "    config:\n      exposure: order\n      default_limit: 100000\n      limits:\n        C-SMALL: 500\n"
           "  - name: stamp-b\n    plugin: test.stamp\n    step: stamp\n";
}

// Replaces `target` the way an installer must (a new file renamed over it): the running build
// was loaded from the old file, whose pages stay mapped.
inline void installFile(const std::filesystem::path& source, const std::filesystem::path& target) {
    const std::filesystem::path temporary = target.string() + ".new";
    std::filesystem::copy_file(source, temporary, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::rename(temporary, target);
}

// A host on a chain folder holding place-order v1, on the test's backend.
class ReloadHostTest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        folder_ = makeTempDir("orderhost-reload-e2e");
        chains_ = std::filesystem::path(folder_) / "chains";
        std::filesystem::create_directories(chains_);
        write("place-order-v1.yaml", placeOrderChain(1));
        database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
        HostOptions options;
        options.databaseConnection = database_->connectionString();
        options.chainsFolder = chains_.string();
        host_ = std::make_unique<HostProcess>(options);
    }
    void TearDown() override {
        host_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }

    // The host again, on the same database and chain folder, with the build's plugins and
    // those of `extraFolder`.
    void restartWith(const std::filesystem::path& extraFolder,
                     const std::map<std::string, std::string>& settings = {}) {
        host_.reset();
        HostOptions options;
        options.databaseConnection = database_->connectionString();
        options.chainsFolder = chains_.string();
        options.pluginFolders = std::string(ORDERHOST_PLUGIN_DIR) + "," + extraFolder.string();
        options.extraSettings = settings;
        host_ = std::make_unique<HostProcess>(options);
    }

    void write(const std::string& name, const std::string& text) const { std::ofstream(chains_ / name) << text; }

    HttpReply reload(const std::string& query = "") const { return host_->post("/v1/admin/reload" + query, ""); }

    // Places an order and returns its view; expects 201.
    Poco::JSON::Object::Ptr place(const std::string& ref, const std::string& customer = "C-100") const {
        const HttpReply reply = host_->post("/v1/orders", order(ref, customer));
        EXPECT_EQ(reply.status, 201) << reply.body;
        return reply.status == 201 ? json(reply.body) : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
    }

    Poco::JSON::Object::Ptr orderView(const std::string& id) const {
        const HttpReply reply = host_->get("/v1/orders/" + id);
        EXPECT_EQ(reply.status, 200) << reply.body;
        return json(reply.body);
    }

    static std::string lastStep(const Poco::JSON::Object::Ptr& view) {
        const auto steps = view->getArray("steps");
        return steps->size() == 0 ? "" : steps->getObject(steps->size() - 1)->getValue<std::string>("step");
    }

    // "place-order v1 (latest)" for each loaded version, "(retired)" for retired ones.
    std::set<std::string> loadedChains() const {
        const HttpReply reply = host_->get("/v1/chains");
        EXPECT_EQ(reply.status, 200) << reply.body;
        std::set<std::string> names;
        const auto chains = json(reply.body)->getArray("chains");
        for (std::size_t i = 0; i < chains->size(); ++i) {
            const auto chain = chains->getObject(i);
            std::string name =
                chain->getValue<std::string>("name") + " v" + std::to_string(chain->getValue<int>("version"));
            if (chain->getValue<bool>("latest")) name += " (latest)";
            if (chain->getValue<bool>("retired")) name += " (retired)";
            names.insert(name);
        }
        return names;
    }

    std::string folder_;
    std::filesystem::path chains_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<HostProcess> host_;
};

}  // namespace orderhost::testing::reloadkit
