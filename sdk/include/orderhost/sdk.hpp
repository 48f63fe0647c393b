// orderhost/sdk.hpp — everything a C++ step plugin needs, in one include.
//
// The SDK is header-only and depends only on the C ABI (orderhost/plugin_api.h). A plugin is
// one or more classes derived from sdk::Step plus one ORDERHOST_PLUGIN(...) line:
//
//   #include <orderhost/sdk.hpp>
//   namespace sdk = orderhost::sdk;
//
//   class NoopStep : public sdk::Step {
//    public:
//     sdk::Outcome run(sdk::StepCall&) override { return sdk::Outcome::proceed(); }
//   };
//
//   ORDERHOST_PLUGIN("com.acme.noop", "1.0.0", "ACME", "Does nothing",
//       ORDERHOST_STEP(NoopStep, "noop", OH_CATEGORY_OTHER, "Does nothing", "",
//                      OH_STEP_THREAD_SAFE));
//
// Build it with orderhost_add_plugin() from find_package(OrderHostSDK). Steps that keep
// tables use sdk::Database (db.hpp) and declare them with ORDERHOST_MIGRATIONS (plugin.hpp).
#ifndef ORDERHOST_SDK_HPP
#define ORDERHOST_SDK_HPP

#include <orderhost/plugin_api.h>
#include <orderhost/sdk/currency.hpp>
#include <orderhost/sdk/db.hpp>
#include <orderhost/sdk/document.hpp>
#include <orderhost/sdk/error.hpp>
#include <orderhost/sdk/events.hpp>
#include <orderhost/sdk/json.hpp>
#include <orderhost/sdk/json_keys.hpp>
#include <orderhost/sdk/log.hpp>
#include <orderhost/sdk/outcome.hpp>
#include <orderhost/sdk/plugin.hpp>
#include <orderhost/sdk/step.hpp>

#endif  // ORDERHOST_SDK_HPP
