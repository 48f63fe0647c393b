// orderhost/sdk/plugin.hpp — declaring a plugin, and the noexcept boundary to the host.
//
// ORDERHOST_PLUGIN(...) defines everything the C ABI asks of a library: static oh_step_kind
// descriptors, a static oh_plugin_info and the one exported orderhost_plugin_entry. Every
// function the host calls (entry, create, run, compensate, destroy) is a noexcept function
// here that converts exceptions into an oh_status plus a report_error() message:
//
//   ConfigError                       → OH_STATUS_INVALID_CONFIG
//   Retryable (in run/compensate)     → OH_STATUS_RETRYABLE (the host retries; ABI 1.1)
//   sdk::Error (in the constructor)   → OH_STATUS_INVALID_CONFIG when NOT_FOUND/TYPE_MISMATCH
//   sdk::Error (in run/compensate)    → its status
//   std::exception                    → OH_STATUS_INTERNAL_ERROR, message what()
//   anything else                     → OH_STATUS_INTERNAL_ERROR
//
// The plugin's get_extension answers "orderhost.migrations/1" when ORDERHOST_MIGRATIONS is used.
#ifndef ORDERHOST_SDK_PLUGIN_HPP
#define ORDERHOST_SDK_PLUGIN_HPP

#include <orderhost/ext/db.h>
#include <orderhost/plugin_api.h>
#include <orderhost/sdk/error.hpp>
#include <orderhost/sdk/outcome.hpp>
#include <orderhost/sdk/step.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <type_traits>

// The SDK's per-library state is declared ORDERHOST_SDK_LIBRARY_LOCAL: hidden in the source
// itself, not only by orderhost_add_plugin's flags. g++ makes an exported namespace-scope
// `inline` variable an STB_GNU_UNIQUE symbol, which the dynamic loader shares between every
// library defining it despite RTLD_LOCAL: two plugins built with a plain add_library(SHARED)
// would then share one services table and one migrations list (and the host refuses a library
// exporting such a symbol). A hidden symbol never leaves its library, whatever the build flags.
#if defined(__GNUC__) || defined(__clang__)
#define ORDERHOST_SDK_LIBRARY_LOCAL __attribute__((visibility("hidden")))
#else
#define ORDERHOST_SDK_LIBRARY_LOCAL
#endif

namespace orderhost::sdk::detail {

// The host's services table. Written once by the entry function, on the host's main thread
// before any other plugin call; only read afterwards, so it needs no synchronisation.
// Each plugin library has its own copy (ORDERHOST_SDK_LIBRARY_LOCAL).
inline ORDERHOST_SDK_LIBRARY_LOCAL const oh_host_services* g_services = nullptr;
// This library's own oh_plugin_info, as returned to the host (log_plugin names the plugin by
// it). Written and read under the same rules as g_services.
inline ORDERHOST_SDK_LIBRARY_LOCAL const oh_plugin_info* g_plugin_info = nullptr;

// An oh_str over a NUL-terminated string with static storage (the macro arguments).
constexpr oh_str staticStr(const char* text) noexcept {
  return oh_str{text, std::char_traits<char>::length(text)};
}

inline void reportError(oh_context* ctx, const std::string& message) noexcept {
  if (g_services != nullptr) g_services->report_error(ctx, oh_str{message.data(), message.size()});
}

// Runs `body` (which returns an oh_status) and lets no exception out. `creating` marks
// create(), where a missing or mistyped config value means the configuration is refused.
template <class Body>
oh_status guarded(oh_context* ctx, bool creating, Body&& body) noexcept {
  try {
    try {
      return body();
    } catch (const ConfigError& e) {
      reportError(ctx, e.what());
      return OH_STATUS_INVALID_CONFIG;
    } catch (const Error& e) {
      oh_status st = e.status();
      bool badConfig = creating && (st == OH_STATUS_NOT_FOUND || st == OH_STATUS_TYPE_MISMATCH);
      reportError(ctx, creating ? std::string("config ") + e.what() : std::string(e.what()));
      if (badConfig) return OH_STATUS_INVALID_CONFIG;
      return st == OH_STATUS_OK ? OH_STATUS_INTERNAL_ERROR : st;
    } catch (const std::exception& e) {
      reportError(ctx, e.what());
      return OH_STATUS_INTERNAL_ERROR;
    }
  } catch (...) {  // a non-std exception, or bad_alloc while building a message above
    // A literal, not a local static: that would be one more GNU unique symbol.
    if (g_services != nullptr)
      g_services->report_error(ctx, OH_STR("unknown exception (not derived from std::exception)"));
    return OH_STATUS_INTERNAL_ERROR;
  }
}

// Calls run() or compensate() and reports the returned Outcome.
inline oh_status callStep(void* instance, const oh_step_call* call,
                          Outcome (Step::*method)(StepCall&)) noexcept {
  if (instance == nullptr || call == nullptr || g_services == nullptr ||
      !OH_HAS_FIELD(call, oh_step_call, idempotency_key))
    return OH_STATUS_INVALID_ARGUMENT;
  return guarded(call->ctx, false, [&] {
    if (OH_HAS_FIELD(call, oh_step_call, mode) && call->mode != OH_CALL_RUN &&
        call->mode != OH_CALL_QUOTE) {
      // A mode of a later minor: taking it for a run could have real effects.
      // Digits by hand: std::to_string would instantiate a GNU unique symbol in the plugin.
      std::string mode;
      for (std::int64_t n = call->mode < 0 ? -std::int64_t{call->mode} : call->mode;
           mode.empty() || n > 0; n /= 10)
        mode.insert(mode.begin(), static_cast<char>('0' + n % 10));
      if (call->mode < 0) mode.insert(mode.begin(), '-');
      const Outcome refused =
          Outcome::fail("unknown_call_mode", "the host asked for call mode " + mode);
      oh_outcome raw = refused.toC();  // points into `refused`, which outlives the report
      g_services->report_outcome(call->ctx, &raw);
      return OH_STATUS_OK;
    }
    StepCall stepCall(*g_services, *call);
    Outcome outcome = (static_cast<Step*>(instance)->*method)(stepCall);
    oh_outcome raw = outcome.toC();
    g_services->report_outcome(call->ctx, &raw);
    return OH_STATUS_OK;
  });
}

inline oh_status runStep(void* instance, const oh_step_call* call) noexcept {
  return callStep(instance, call, &Step::run);
}
inline oh_status compensateStep(void* instance, const oh_step_call* call) noexcept {
  return callStep(instance, call, &Step::compensate);
}
inline void destroyStep(void* instance) noexcept { delete static_cast<Step*>(instance); }

// create() for step class T: constructs T from CreateContext& (or by default).
template <class T>
oh_status createStep(const oh_create_args* args, void** out_instance) noexcept {
  if (args == nullptr || out_instance == nullptr || g_services == nullptr ||
      !OH_HAS_FIELD(args, oh_create_args, config_json))
    return OH_STATUS_INVALID_ARGUMENT;
  *out_instance = nullptr;
  return guarded(args->ctx, true, [&] {
    CreateContext ctx(*g_services, *args);
    Step* step = nullptr;
    if constexpr (std::is_constructible_v<T, CreateContext&>)
      step = new T(ctx);
    else
      step = new T();
    *out_instance = step;
    return OH_STATUS_OK;
  });
}

// True when T (or a base between T and Step) overrides Step::compensate.
template <class T>
constexpr bool overridesCompensate =
    !std::is_same_v<decltype(&T::compensate), Outcome (Step::*)(StepCall&)>;

// The static descriptor of step class T (what ORDERHOST_STEP expands to).
template <class T>
constexpr oh_step_kind describeStep(const char* name, oh_step_category category,
                                    const char* description, const char* config_schema,
                                    std::uint32_t flags) noexcept {
  static_assert(std::is_base_of_v<Step, T>, "a step class must derive from orderhost::sdk::Step");
  static_assert(std::is_constructible_v<T, CreateContext&> || std::is_default_constructible_v<T>,
                "a step class needs a constructor taking CreateContext& (or a default one)");
  return oh_step_kind{sizeof(oh_step_kind),
                      staticStr(name),
                      category,
                      staticStr(description),
                      staticStr(config_schema),
                      flags,
                      &createStep<T>,
                      &runStep,
                      overridesCompensate<T> ? &compensateStep : nullptr,
                      &destroyStep};
}

template <class T, std::size_t N>
constexpr std::array<const T*, N> pointersTo(const T (&items)[N]) noexcept {
  std::array<const T*, N> pointers{};
  for (std::size_t i = 0; i < N; ++i) pointers[i] = &items[i];
  return pointers;
}

// The plugin's migrations (ORDERHOST_MIGRATIONS), set while the library's static objects are
// initialised, i.e. before the host calls the entry; only read afterwards. One per library,
// like g_services.
inline ORDERHOST_SDK_LIBRARY_LOCAL const oh_migrations_ext* g_migrations = nullptr;

inline bool registerMigrations(const oh_migrations_ext* migrations) noexcept {
  g_migrations = migrations;
  return true;
}

// oh_plugin_info.get_extension of every SDK plugin.
inline const void* pluginExtension(const char* id) noexcept {
  if (id != nullptr && g_migrations != nullptr && std::strcmp(id, OH_EXT_MIGRATIONS) == 0)
    return g_migrations;
  return nullptr;
}

constexpr oh_migration describeMigration(std::uint32_t version, const char* description,
                                         const char* sql, const char* sql_sqlite,
                                         const char* sql_postgresql) noexcept {
  return oh_migration{sizeof(oh_migration),   version,
                      staticStr(description), staticStr(sql),
                      staticStr(sql_sqlite),  staticStr(sql_postgresql)};
}

template <std::size_t N>
constexpr oh_plugin_info describePlugin(const char* id, const char* version, const char* vendor,
                                        const char* description,
                                        const std::array<const oh_step_kind*, N>& kinds) noexcept {
  return oh_plugin_info{sizeof(oh_plugin_info), OH_ABI_MAJOR,
                        OH_ABI_MINOR,           staticStr(id),
                        staticStr(version),     staticStr(vendor),
                        staticStr(description), static_cast<std::uint32_t>(N),
                        kinds.data(),           &pluginExtension};
}

// The negotiation. A host of another ABI major gets the plugin's info but no services are
// kept: the host compares the majors itself and refuses naming both versions, which is more
// useful to an administrator than a bare NULL. A missing or too small host info, or a services
// table without every 1.0 service, is refused with NULL.
inline const oh_plugin_info* negotiate(const oh_host_info* host,
                                       const oh_plugin_info* info) noexcept {
  if (host == nullptr || !OH_HAS_FIELD(host, oh_host_info, services)) return nullptr;
  if (host->abi_major != OH_ABI_MAJOR) return info;
  if (host->services == nullptr) return nullptr;
  if (!OH_HAS_FIELD(host->services, oh_host_services, get_extension)) return nullptr;
  g_services = host->services;
  g_plugin_info = info;
  return info;
}

}  // namespace orderhost::sdk::detail

namespace orderhost::sdk {

// The plugin's logger that needs no call (log_plugin, ABI 1.1), e.g. for its own threads.
// Lines are dropped before the entry function ran and on a 1.0 host (see PluginLogger).
inline PluginLogger pluginLog() noexcept {
  return PluginLogger(detail::g_services, detail::g_plugin_info);
}

}  // namespace orderhost::sdk

// ORDERHOST_STEP(StepClass, name, category, description, config_schema, flags)
//
// Describes one step kind for ORDERHOST_PLUGIN. `name` is the kind chains refer to, category
// an OH_CATEGORY_*, config_schema a JSON Schema string literal ("" for none), flags OH_STEP_*
// combined with |: OH_STEP_THREAD_SAFE, and (since 1.1) OH_STEP_NO_EXTERNAL_EFFECTS for a step
// whose only effects are on the order document and the host's own database.
// All strings must be literals (or other static NUL-terminated strings).
#define ORDERHOST_STEP(StepClass, name, category, description, config_schema, flags)   \
  ::orderhost::sdk::detail::describeStep<StepClass>((name), (category), (description), \
                                                    (config_schema), (flags))

// ORDERHOST_PLUGIN(id, version, vendor, description, ORDERHOST_STEP(...), ...)
//
// Defines the plugin's metadata and its exported orderhost_plugin_entry. Use it exactly once
// per library, in one .cpp file, at global namespace scope (the entry must have C linkage).
//
// Example:
//   ORDERHOST_PLUGIN("com.acme.credit", "1.2.0", "ACME", "Credit checks against ACME's ledger",
//       ORDERHOST_STEP(CreditStep, "check-credit", OH_CATEGORY_CREDIT,
//                      "Holds orders over the customer's limit", "", OH_STEP_THREAD_SAFE));
#define ORDERHOST_PLUGIN(id, version, vendor, description, ...)                                   \
  namespace {                                                                                     \
  constexpr oh_step_kind orderhost_sdk_step_kinds_[] = {__VA_ARGS__};                             \
  constexpr auto orderhost_sdk_step_kind_pointers_ =                                              \
      ::orderhost::sdk::detail::pointersTo(orderhost_sdk_step_kinds_);                            \
  constexpr oh_plugin_info orderhost_sdk_plugin_info_ = ::orderhost::sdk::detail::describePlugin( \
      (id), (version), (vendor), (description), orderhost_sdk_step_kind_pointers_);               \
  }                                                                                               \
  OH_PLUGIN_ENTRY {                                                                               \
    return ::orderhost::sdk::detail::negotiate(host, &orderhost_sdk_plugin_info_);                \
  }                                                                                               \
  static_assert(true, "ORDERHOST_PLUGIN(...) is used with a trailing semicolon")

// ORDERHOST_MIGRATION(version, description, sql)
// ORDERHOST_MIGRATION_PER_BACKEND(version, description, sql_sqlite, sql_postgresql)
//
// One schema change for ORDERHOST_MIGRATIONS: portable SQL, or one text per backend ("" for
// nothing to do there). Several statements are separated by ';'. Literals only.
#define ORDERHOST_MIGRATION(version, description, sql) \
  ::orderhost::sdk::detail::describeMigration((version), (description), (sql), "", "")
#define ORDERHOST_MIGRATION_PER_BACKEND(version, description, sql_sqlite, sql_postgresql) \
  ::orderhost::sdk::detail::describeMigration((version), (description), "", (sql_sqlite), \
                                              (sql_postgresql))

// ORDERHOST_MIGRATIONS(datasource, ORDERHOST_MIGRATION(...), ...)
//
// Declares the plugin's schema migrations ("orderhost.migrations/1"), which the host applies
// at start, each version once, in its own transaction. `datasource` is "" for the host's own
// database (the usual case) or a configured datasource name. Use at most once per library,
// at global namespace scope. Only ever append: never change a version that has shipped.
//
// Example:
//   ORDERHOST_MIGRATIONS("",
//       ORDERHOST_MIGRATION(1, "stock table",
//                           "CREATE TABLE acme_stock (sku VARCHAR(64) PRIMARY KEY, qty BIGINT)"),
//       ORDERHOST_MIGRATION(2, "stock index", "CREATE INDEX acme_stock_qty ON acme_stock (qty)"));
#define ORDERHOST_MIGRATIONS(datasource, ...)                                       \
  namespace {                                                                       \
  constexpr oh_migration orderhost_sdk_migrations_[] = {__VA_ARGS__};               \
  constexpr auto orderhost_sdk_migration_pointers_ =                                \
      ::orderhost::sdk::detail::pointersTo(orderhost_sdk_migrations_);              \
  constexpr oh_migrations_ext orderhost_sdk_migrations_ext_ = {                     \
      sizeof(oh_migrations_ext), ::orderhost::sdk::detail::staticStr(datasource),   \
      static_cast<std::uint32_t>(orderhost_sdk_migration_pointers_.size()),         \
      orderhost_sdk_migration_pointers_.data()};                                    \
  [[maybe_unused]] const bool orderhost_sdk_migrations_registered_ =                \
      ::orderhost::sdk::detail::registerMigrations(&orderhost_sdk_migrations_ext_); \
  }                                                                                 \
  static_assert(true, "ORDERHOST_MIGRATIONS(...) is used with a trailing semicolon")

#endif  // ORDERHOST_SDK_PLUGIN_HPP
