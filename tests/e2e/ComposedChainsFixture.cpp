#include "ComposedChainsFixture.h"

#include <Poco/JSON/Array.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace orderhost::testing {
namespace {

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// config/chains/*.yaml into `folder`, each demo address replaced; a chain that names one of
// them in another spelling keeps it, and the check below fails the test instead of letting
// the host call 127.0.0.1:9100 (or whoever listens there).
void copyShippedChains(const std::string& folder, const std::vector<std::pair<std::string, std::string>>& replace) {
    for (const auto& entry : std::filesystem::directory_iterator(ORDERHOST_SHIPPED_CHAINS)) {
        if (entry.path().extension() != ".yaml") continue;
        std::string chain = readFile(entry.path());
        for (const auto& [from, to] : replace)
            for (std::size_t at = chain.find(from); at != std::string::npos; at = chain.find(from, at + to.size()))
                chain.replace(at, from.size(), to);
        for (const char* demo : {":9100", ":9200", ":8080", "port: 2525", "templates_dir: config/"})
            ASSERT_EQ(chain.find(demo), std::string::npos)
                << entry.path() << " still names the demo address '" << demo << "' after the replacements";
        std::ofstream(folder + "/" + entry.path().filename().string()) << chain;
    }
}

}  // namespace

void ComposedChainsFixture::SetUp() {
    folder_ = makeTempDir("orderhost-composed");
    std::filesystem::create_directories(folder_ + "/chains");
    HostOptions options;
    options.port = freeLoopbackPort();
    copyShippedChains(folder_ + "/chains",
                      {{"http://127.0.0.1:9100", gateway_.url()},
                       {"http://127.0.0.1:9200", carrier_.url()},
                       {"http://127.0.0.1:8080", "http://127.0.0.1:" + std::to_string(options.port)},
                       {"port: 2525", "port: " + std::to_string(smtp_.smtpPort())},
                       {"templates_dir: config/templates", std::string("templates_dir: ") + ORDERHOST_TEMPLATES_DIR}});
    database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
    rows_ = std::make_unique<DatabaseRows>(database_->connectionString());
    options.databaseConnection = database_->connectionString();
    options.chainsFolder = folder_ + "/chains";
    options.extraSettings["engine.retry_poll_ms"] = "50";
    host_ = std::make_unique<HostProcess>(options);
}

void ComposedChainsFixture::TearDown() {
    host_.reset();
    database_.reset();
    std::filesystem::remove_all(folder_);
}

std::string ComposedChainsFixture::order(const std::string& ref, const std::string& chain, const std::string& linesJson,
                                         const std::string& moreAttributes) {
    return R"({"order_ref":")" + ref + R"(","chain":")" + chain +
           R"(","currency":"EUR","customer":{"id":"C-100","name":"Ada Lovelace","email":"ada@example.com"},)"
           R"("shipping_address":{"name":"Ada Lovelace","line1":"Unter den Linden 1","city":"Berlin",)"
           R"("postal_code":"10117","country":"DE"},"lines":)" +
           linesJson + R"(,"attributes":{"card_token":"tok_visa")" + moreAttributes + "}}";
}

std::string ComposedChainsFixture::place(const std::string& body) const {
    const HttpReply reply = host_->post("/v1/orders", body);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.status == 201 ? parseObject(reply.body)->getValue<std::string>("id") : std::string();
}

std::int64_t ComposedChainsFixture::stockTotal(const std::string& column, const std::string& sku) const {
    return rows_->number(
        "SELECT CAST(COALESCE(SUM(" + column + "), 0) AS BIGINT) FROM sourcing_inventory WHERE sku = ?", sku);
}

std::int64_t ComposedChainsFixture::unreconciledStock() const {
    return rows_->number("SELECT COUNT(*) FROM sourcing_stock_check WHERE reconciled <> 1");
}

int ComposedChainsFixture::mailsTo(const std::string& recipient) const {
    int found = 0;
    const Poco::JSON::Array::Ptr all = smtp_.messages();
    for (unsigned i = 0; i < all->size(); ++i) {
        const Poco::JSON::Array::Ptr to = all->getObject(i)->getArray("rcpt_tos");
        for (unsigned j = 0; j < to->size(); ++j) found += to->getElement<std::string>(j) == recipient;
    }
    return found;
}

std::string ComposedChainsFixture::shipmentIdOf(const std::string& ref) const {
    const HttpReply reply = host_->get("/v1/orders?order_ref=" + ref);
    return parseObject(reply.body)->getObject("document")->getObject("shipping")->getValue<std::string>("shipment_id");
}

}  // namespace orderhost::testing
