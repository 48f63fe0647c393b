#include "host/app/ConfigLayers.h"

#include "host/app/HostSettings.h"
#include "host/store/ConnectionString.h"

#include <Poco/String.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <unistd.h>  // environ

namespace orderhost::app {
namespace {
namespace fs = std::filesystem;

const std::set<std::string>& fixedKeys() {
    static const std::set<std::string> keys = {"http.address",
                                               "http.port",
                                               "http.max_threads",
                                               "http.max_queued",
                                               "http.keep_alive_s",
                                               "http.read_timeout_s",
                                               "http.max_body_bytes",
                                               "api.token",
                                               "api.require_keys",
                                               "api.tls.certificate",
                                               "api.tls.private_key",
                                               "api.tls.client_ca",
                                               "api.tls.client_crl",
                                               "http.request_timeout_ms",
                                               "http.max_connections",
                                               "http.max_connections_per_client",
                                               "http.retry_after_s",
                                               "http.idempotency_ttl_s",
                                               "host.shutdown_timeout_s",
                                               "database.connection",
                                               "database.pool_size",
                                               "database.connect_wait_s",
                                               "plugins.folders",
                                               "plugins.allow",
                                               "plugins.probe",
                                               "plugins.pins",
                                               "plugins.check_permissions",
                                               "chains.folder",
                                               "chains.default",
                                               "quotes.valid_for_s",
                                               "engine.retry_poll_ms",
                                               "engine.host_id",
                                               "engine.lease_ms",
                                               "events.webhooks",
                                               "events.relay_poll_ms",
                                               "events.webhook_secret",
                                               "events.webhook_ca_file",
                                               "events.webhook_max_attempts",
                                               "events.amqp_url",
                                               "events.amqp_exchange",
                                               "events.amqp_ca_file",
                                               "engine.crash_limit",
                                               "engine.steps_per_commit",
                                               "engine.background_runs",
                                               "log.level",
                                               "plugins.isolate",
                                               "plugins.isolate_workers",
                                               "engine.step_workers",
                                               "plugins.isolate_restart_backoff_ms",
                                               "plugins.isolate_restart_backoff_max_ms",
                                               "engine.shutdown_grace_ms",
                                               "log.format",
                                               "log.file",
                                               "log.max_size_mb",
                                               "log.max_files"};
    return keys;
}

// "datasource.<name>.connection" / ".pool_size": the name, or "" when `key` is no such key.
std::string datasourceName(const std::string& key) {
    static const std::string prefix = "datasource.";
    if (key.compare(0, prefix.size(), prefix) != 0) return "";
    const auto dot = key.rfind('.');
    const std::string field = key.substr(dot + 1);
    if (dot <= prefix.size() || (field != "connection" && field != "pool_size")) return "";
    return key.substr(prefix.size(), dot - prefix.size());
}

std::string environmentName(const std::string& key) {
    std::string name = "ORDERHOST_" + key;
    for (char& c : name) c = c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// ORDERHOST_DATASOURCE_<NAME>_CONNECTION / _POOL_SIZE → the setting's key, or "".
std::string datasourceKeyOf(const std::string& variable) {
    static const std::string prefix = "ORDERHOST_DATASOURCE_";
    if (variable.compare(0, prefix.size(), prefix) != 0) return "";
    for (const std::string field : {"CONNECTION", "POOL_SIZE"}) {
        const std::string suffix = "_" + field;
        if (variable.size() > prefix.size() + suffix.size() &&
            variable.compare(variable.size() - suffix.size(), suffix.size(), suffix) == 0) {
            const std::string name =
                lower(variable.substr(prefix.size(), variable.size() - prefix.size() - suffix.size()));
            return "datasource." + name + "." + lower(field);
        }
    }
    return "";
}

bool isSecret(const std::string& key) { return key == "api.token" || key == "events.webhook_secret"; }

// PWD=… and Password=… of an ODBC connection string replaced by ***.
// ODBC's rules (braced values may hold ';', store::ConnectionString): splitting at every ';'
// showed the rest of "Pwd={s3cr;etPART2}" (found by an administrator's probe).
std::string maskConnection(const std::string& connection) { return store::ConnectionString(connection).masked(); }

}  // namespace

std::string maskUrlCredentials(std::string text) {
    for (std::size_t at = 0; (at = text.find("://", at)) != std::string::npos; at += 3) {
        const std::size_t urlEnd = std::min(text.find_first_of(", \t", at + 3), text.size());
        const std::size_t hostEnd = std::min(text.find_first_of("/?#", at + 3), urlEnd);
        const std::size_t atSign = text.rfind('@', hostEnd);
        if (atSign != std::string::npos && atSign > at + 2) {  // user[:password]@: a token or a password
            const std::size_t colon = text.find(':', at + 3);
            const std::size_t from = colon != std::string::npos && colon < atSign ? colon + 1 : at + 3;
            text.replace(from, atSign - from, "***");
        }
        const std::size_t end = std::min(text.find_first_of(", \t", at + 3), text.size());
        const std::size_t query = text.find('?', at + 3);
        if (query != std::string::npos && query < end) text.replace(query + 1, end - query - 1, "***");
    }
    return text;
}

bool isDatasourceName(const std::string& name) {
    if (name.empty() || name.size() > 64 || name == "orderhost") return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    return true;
}

bool isKnownSetting(const std::string& key, std::string& why) {
    if (fixedKeys().count(key) != 0) return true;
    const std::string datasource = datasourceName(key);
    if (datasource.empty()) {
        why = "unknown setting '" + key + "'";
        return false;
    }
    if (isDatasourceName(datasource)) return true;
    why = "datasource name '" + datasource +
          "' must be 1 to 64 of a-z, 0-9, '_' and '-', and not 'orderhost' (the host's own)";
    return false;
}

std::vector<std::pair<std::string, int>> checkedKeys(const std::string& file) {
    std::ifstream in(file);
    if (!fs::is_regular_file(file) || !in)
        throw SettingsError("cannot load config file " + file + ": it does not exist or cannot be read");
    std::vector<std::pair<std::string, int>> keys;
    std::set<std::string> seen;
    std::string line;
    bool continued = false;  // the previous line ended in '\': this one is part of its value
    for (int number = 1; std::getline(in, line); ++number) {
        if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF files
        const bool wasContinued = continued;
        // An odd number of trailing backslashes continues the line; "\\" is a backslash.
        const std::size_t lastKept = line.find_last_not_of('\\');
        const std::size_t backslashes = line.size() - (lastKept == std::string::npos ? 0 : lastKept + 1);
        continued = backslashes % 2 == 1;
        if (wasContinued) continue;
        const std::string trimmed = Poco::trim(line);
        if (trimmed.empty() || trimmed[0] == '#' || trimmed[0] == '!') {
            continued = false;
            continue;
        }
        const auto separator = trimmed.find_first_of("=:");
        const std::string where = file + ":" + std::to_string(number) + ": ";
        if (separator == std::string::npos) throw SettingsError(where + "expected 'key = value'");
        const std::string key = Poco::trim(trimmed.substr(0, separator));
        std::string why;
        if (!isKnownSetting(key, why)) throw SettingsError(where + why);
        // A second value would silently win: say so instead.
        if (!seen.insert(key).second) throw SettingsError(where + "setting '" + key + "' is given twice");
        keys.emplace_back(key, number);
    }
    return keys;
}

void ConfigLayers::set(const std::string& key, const std::string& value, const std::string& origin) {
    effective_[key] = SettingValue{value, origin};
}

void ConfigLayers::loadFile(const std::string& file) {
    const auto keys = checkedKeys(file);
    Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> values;
    try {
        values = new Poco::Util::PropertyFileConfiguration(file);
    } catch (const Poco::Exception& e) {
        throw SettingsError("cannot load config file " + file + ": " + e.displayText());
    }
    for (const auto& [key, line] : keys) set(key, values->getRawString(key, ""), file + ":" + std::to_string(line));
    files_.push_back(file);
}

ConfigLayers ConfigLayers::load(const std::string& mainFile, const std::map<std::string, std::string>& environment,
                                const std::vector<std::string>& defines) {
    ConfigLayers layers;
    layers.mainFile_ = mainFile;
    layers.loadFile(mainFile);
    const fs::path confD = fs::absolute(mainFile).parent_path() / "conf.d";
    std::error_code error;
    if (fs::is_directory(confD, error)) {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(confD, error))
            if (entry.path().extension() == ".properties" && entry.path().filename().string()[0] != '.')
                names.push_back(entry.path().string());
        if (error) throw SettingsError("cannot list " + confD.string() + ": " + error.message());
        std::sort(names.begin(), names.end());
        for (const auto& file : names) layers.loadFile(file);
    }
    for (const auto& [variable, value] : environment) {
        std::string key = datasourceKeyOf(variable);
        if (key.empty()) {
            for (const auto& known : fixedKeys())
                if (environmentName(known) == variable) key = known;
        }
        if (key.empty()) continue;  // not a setting: ORDERHOST_ is a common prefix in scripts
        std::string why;
        if (!isKnownSetting(key, why)) throw SettingsError("environment " + variable + ": " + why);
        layers.set(key, value, "environment " + variable);
    }
    for (const auto& define : defines) {
        const auto eq = define.find('=');
        const std::string key = Poco::trim(define.substr(0, eq));
        const std::string shown =
            "-D " + Poco::trim(define.substr(0, std::min(eq, std::size_t{200})));  // no value: it may be a secret
        if (eq == std::string::npos || key.empty()) throw SettingsError(shown + ": expected -D key=value");
        std::string why;
        if (!isKnownSetting(key, why)) throw SettingsError(shown + ": " + why);
        layers.set(key, Poco::trim(define.substr(eq + 1)), "-D " + key);
    }
    return layers;
}

std::map<std::string, std::string> ConfigLayers::processEnvironment() {
    std::map<std::string, std::string> variables;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string text(*entry);
        const auto eq = text.find('=');
        if (eq != std::string::npos && text.compare(0, 10, "ORDERHOST_") == 0)
            variables[text.substr(0, eq)] = text.substr(eq + 1);
    }
    return variables;
}

Poco::AutoPtr<Poco::Util::MapConfiguration> ConfigLayers::configuration() const {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
    for (const auto& [key, setting] : effective_) config->setString(key, setting.value);
    return config;
}

std::string describeSettings(const ConfigLayers& layers) {
    std::ostringstream out;
    out << "# the effective settings: " << layers.files().size() << " file(s), the environment, -D\n";
    for (const auto& [key, setting] : layers.effective()) {
        std::string value = setting.value;
        if (isSecret(key) && !value.empty())
            value = "***";
        else if (key == "database.connection" || datasourceName(key) != "")
            value = maskConnection(value);
        else if (key == "events.webhooks" || key == "events.amqp_url")
            value = maskUrlCredentials(value);
        out << key << " = " << value << "    # " << setting.origin << "\n";
    }
    for (const auto& key : fixedKeys())
        if (layers.effective().count(key) == 0) out << "# " << key << ": not set (the default applies)\n";
    return out.str();
}

}  // namespace orderhost::app
