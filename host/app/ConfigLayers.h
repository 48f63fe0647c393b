// The host's effective configuration, layered the Poco Util way, each value with where it
// came from. Lowest to highest precedence:
//
//   1. the main file (--config FILE)
//   2. FILE's folder/conf.d/*.properties, in name order (a later file wins)
//   3. the environment: ORDERHOST_<KEY> with the key upper-cased and '.' as '_'
//      (http.port → ORDERHOST_HTTP_PORT; datasource.erp.connection → ORDERHOST_DATASOURCE_ERP_CONNECTION)
//   4. -D key=value / --define key=value on the command line (repeatable; a later one wins)
//
// Every key of every layer must be a known setting: a misspelt key is refused with its place
// (file:line, the variable, or the -D argument). Inside one file a key given twice is refused,
// as before; across layers a higher layer overrides by design. Environment variables that name
// no setting are ignored (ORDERHOST_ is a common prefix in scripts). Relative paths are
// relative to the main file's folder whatever layer set them.
//
//   ConfigLayers layers = ConfigLayers::load("/etc/orderhost/orderhost.properties", environ, {"http.port=9000"});
//   HostSettings settings = readHostSettings(layers.mainFile(), *layers.configuration());
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <map>
#include <string>
#include <vector>

namespace orderhost::app {

struct SettingValue {
    std::string value;
    std::string origin;  // "FILE:LINE", "environment ORDERHOST_HTTP_PORT", "-D http.port=…"
};

// Whether `key` is a setting the host knows (the fixed keys and datasource.<name>.connection /
// .pool_size); `why` says what is wrong with it when not.
bool isKnownSetting(const std::string& key, std::string& why);
// 1 to 64 of a-z, 0-9, '_' and '-', and not "orderhost" (the host's own database).
bool isDatasourceName(const std::string& name);
// The keys of a properties file with their line numbers, each checked: SettingsError with
// FILE:LINE for an unknown key, a key given twice or a line that is not `key = value`.
std::vector<std::pair<std::string, int>> checkedKeys(const std::string& file);
// Each URL of `text` with its user info (user:password@ → user:***@, token@ → ***@) and its
// query (?***) masked, for messages and config show.
std::string maskUrlCredentials(std::string text);

class ConfigLayers {
public:
    // Throws SettingsError naming the place of the first bad key or unreadable file.
    static ConfigLayers load(const std::string& mainFile, const std::map<std::string, std::string>& environment,
                             const std::vector<std::string>& defines);
    // The process's environment, for load().
    static std::map<std::string, std::string> processEnvironment();

    const std::string& mainFile() const { return mainFile_; }
    const std::vector<std::string>& files() const { return files_; }  // main file first, then conf.d
    const std::map<std::string, SettingValue>& effective() const { return effective_; }
    // The effective values as a configuration, for readHostSettings().
    Poco::AutoPtr<Poco::Util::MapConfiguration> configuration() const;

private:
    void set(const std::string& key, const std::string& value, const std::string& origin);
    void loadFile(const std::string& file);

    std::string mainFile_;
    std::vector<std::string> files_;
    std::map<std::string, SettingValue> effective_;
};

// `key = value  # origin` for every effective setting, secrets masked (api.token; PWD= and
// Password= in connection strings), defaults of the unset keys listed as comments.
std::string describeSettings(const ConfigLayers& layers);

}  // namespace orderhost::app
