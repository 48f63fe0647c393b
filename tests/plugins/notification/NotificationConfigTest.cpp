// orderhost.notification refuses configurations it cannot send with, naming the field (and
// the template file) at chain load rather than at the first order.
#include "NotifyFixture.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace orderhost::testing {
namespace {

using orderhost::testkit::FakeHost;

// The error create() reports for `config`, or "" when it accepted it.
std::string refusal(const std::string& config) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(config);
    const oh_status st = host.create("notify");
    if (st == OH_STATUS_OK) return "";
    EXPECT_EQ(st, OH_STATUS_INVALID_CONFIG) << host.reportedError();
    return host.reportedError();
}

TEST(NotificationConfig, EmailNeedsAnSmtpHostAndASender) {
    const std::string templates = R"("templates_dir":")" ORDERHOST_TEMPLATES_DIR R"(")";
    EXPECT_NE(refusal("{" + templates + "}").find("'smtp.host'"), std::string::npos);
    EXPECT_NE(refusal("{" + templates + R"(,"smtp":{"host":"127.0.0.1"}})").find("'smtp.from'"), std::string::npos);
    EXPECT_NE(refusal(R"({"smtp":{"host":"h","from":"a@b.c"}})").find("'templates_dir'"), std::string::npos);
    EXPECT_EQ(refusal(emailConfig(2525)), "");
}

TEST(NotificationConfig, RefusesUnknownChannelsAndSettings) {
    EXPECT_NE(refusal(R"({"channel":"sms"})").find("'channel'"), std::string::npos);
    EXPECT_NE(refusal(R"({"template":5,"channel":"record"})").find("'template'"), std::string::npos);
    EXPECT_NE(refusal(R"({"event":"a","template":"b","channel":"record"})").find("'event'"), std::string::npos);
    EXPECT_NE(refusal(emailConfig(2525, "order-confirmation", R"(,"starttls":"maybe")")).find("'smtp.starttls'"),
              std::string::npos);
    EXPECT_NE(
        refusal(R"({"channel":"webhook","templates_dir":")" ORDERHOST_TEMPLATES_DIR R"(","webhook":{"url":"ftp://x"}})")
            .find("'webhook.url'"),
        std::string::npos);
    EXPECT_NE(refusal(R"({"channel":"webhook","templates_dir":")" ORDERHOST_TEMPLATES_DIR
                      R"(","webhook":{"url":"http://x"}})")
                  .find("'webhook.secret'"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"channel":"webhook","templates_dir":")" ORDERHOST_TEMPLATES_DIR
                      R"(","webhook":{"url":"http://x","secret_env":"ORDERHOST_TEST_UNSET_SECRET"}})")
                  .find("ORDERHOST_TEST_UNSET_SECRET"),
              std::string::npos);
}

TEST(NotificationConfig, NamesAMissingOrBrokenTemplateFile) {
    const std::filesystem::path folder = std::filesystem::temp_directory_path() / "orderhost-notify-templates";
    std::filesystem::remove_all(folder);
    std::filesystem::create_directories(folder);
    const std::string config = R"({"channel":"record","event":"welcome","templates_dir":")" + folder.string() + R"("})";
    EXPECT_NE(refusal(config).find("welcome.en.mustache"), std::string::npos) << refusal(config);
    std::ofstream(folder / "welcome.en.mustache") << "Hello {{name}}\n";  // no subject line
    EXPECT_NE(refusal(config).find("Subject:"), std::string::npos) << refusal(config);
    std::ofstream(folder / "welcome.en.mustache") << "Subject: Hi\n\nHello {{#name}} unclosed\n";
    EXPECT_NE(refusal(config).find("welcome.en.mustache"), std::string::npos) << refusal(config);
    std::ofstream(folder / "welcome.en.mustache") << "Subject: Hi {{customer.name}}\n\nHello\n";
    EXPECT_EQ(refusal(config), "");
    EXPECT_NE(
        refusal(R"({"channel":"record","templates_dir":"/nonexistent/templates"})").find("/nonexistent/templates"),
        std::string::npos);
    std::filesystem::remove_all(folder);
}

TEST(NotificationConfig, ThePluginOffersBothKindNamesAndRecord) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    ASSERT_EQ(host.plugin().step_kind_count, 3u);
    EXPECT_EQ(std::string(host.plugin().step_kinds[0]->name.ptr, host.plugin().step_kinds[0]->name.len), "notify");
    EXPECT_EQ(std::string(host.plugin().step_kinds[1]->name.ptr, host.plugin().step_kinds[1]->name.len),
              "notify-customer");
    EXPECT_EQ(host.plugin().step_kinds[0]->category, OH_CATEGORY_NOTIFICATION);
    // notify may send mail: the host commits around it; record never does, and says so.
    EXPECT_EQ(host.plugin().step_kinds[0]->flags & OH_STEP_NO_EXTERNAL_EFFECTS, 0u);
    EXPECT_EQ(std::string(host.plugin().step_kinds[2]->name.ptr, host.plugin().step_kinds[2]->name.len), "record");
    EXPECT_NE(host.plugin().step_kinds[2]->flags & OH_STEP_NO_EXTERNAL_EFFECTS, 0u);
}

}  // namespace
}  // namespace orderhost::testing
