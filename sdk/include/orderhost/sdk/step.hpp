// orderhost/sdk/step.hpp — the class a plugin author writes: one Step per chain step.
//
// The host creates one instance per chain step that uses the step kind (constructor ←
// create()), calls run() for each order and compensate() when a later step fails, and
// destroys the instance when the chain is retired. CreateContext and StepCall are the typed
// views of oh_create_args and oh_step_call; both are valid only during the call they were
// passed to.
//
// Thread contract (from plugin_api.h): the constructor and destructor never run concurrently
// with another call on the same instance. With OH_STEP_THREAD_SAFE in the step's flags,
// run()/compensate() of ONE instance may run on several threads at once, so they must not
// modify the step's members (read config into members in the constructor, then only read).
// Without the flag the host never enters one instance from two threads at once.
#ifndef ORDERHOST_SDK_STEP_HPP
#define ORDERHOST_SDK_STEP_HPP

#include <orderhost/plugin_api.h>
#include <orderhost/sdk/document.hpp>
#include <orderhost/sdk/events.hpp>
#include <orderhost/sdk/log.hpp>
#include <orderhost/sdk/outcome.hpp>

#include <cstdint>
#include <string_view>

namespace orderhost::sdk {

// CreateContext
//
// What a step's constructor gets: its configuration and where it sits. Throw ConfigError to
// refuse the configuration; the message reaches the administrator.
//
// Example:
//   explicit CreditStep(sdk::CreateContext& ctx)
//       : default_limit_(ctx.config().optionalInteger("/default_limit").value_or(0)) {
//     if (default_limit_ < 0) throw sdk::ConfigError("default_limit", "must not be negative");
//   }
class CreateContext {
 public:
  CreateContext(const oh_host_services& services, const oh_create_args& args) noexcept
      : services_(&services), args_(&args) {}

  // The step's "config" object from the chain file (read-only).
  Document config() const noexcept { return Document(*services_, args_->ctx, OH_DOC_CONFIG); }
  // The same configuration as JSON text ("{}" when the chain gives none).
  std::string_view configJson() const noexcept { return toView(args_->config_json); }
  Logger log() const noexcept { return Logger(*services_, args_->ctx); }
  std::string_view chainName() const noexcept { return toView(args_->chain_name); }
  std::string_view stepName() const noexcept { return toView(args_->step_name); }
  // The host services, for extensions (get_extension) the SDK does not wrap yet.
  const oh_host_services& services() const noexcept { return *services_; }
  oh_context* rawContext() const noexcept { return args_->ctx; }

 private:
  const oh_host_services* services_;
  const oh_create_args* args_;
};

// StepCall
//
// One run (or compensation) of the step on one order. Strings it returns are borrowed from
// the host and valid until run()/compensate() returns: copy what you keep.
//
// Example:
//   sdk::Outcome run(sdk::StepCall& call) override {
//     std::string id = call.order().string("/customer/id");
//     call.order().set("/checked_at", call.nowMs());
//     call.log().info("checked customer ", id, " (attempt ", call.attempt(), ")");
//     return sdk::Outcome::proceed();
//   }
class StepCall {
 public:
  StepCall(const oh_host_services& services, const oh_step_call& call) noexcept
      : services_(&services), call_(&call) {}

  // The order document (read-write).
  OrderDocument order() const noexcept { return OrderDocument(*services_, call_->ctx); }
  // The step's configuration (read-only). Prefer values read once in the constructor.
  Document config() const noexcept { return Document(*services_, call_->ctx, OH_DOC_CONFIG); }
  Logger log() const noexcept { return Logger(*services_, call_->ctx); }

  // Milliseconds since the epoch by the host's clock: use it, not the system clock, for
  // anything stored in the order (tests control the host's clock).
  std::int64_t nowMs() const { return services_->now_ms(call_->ctx); }

  // Stable across attempts and restarts for this order + step: give it to external systems
  // (payment gateways, carriers) so a retried call does not charge or ship twice.
  std::string_view idempotencyKey() const noexcept { return toView(call_->idempotency_key); }
  std::string_view orderId() const noexcept { return toView(call_->order_id); }
  std::string_view chainName() const noexcept { return toView(call_->chain_name); }
  std::string_view stepName() const noexcept { return toView(call_->step_name); }
  // 1 for the first attempt, 2 for the first retry, ...
  std::uint32_t attempt() const noexcept { return call_->attempt; }

  // When the host stops waiting for this call, in ms since the epoch on the host's clock
  // (compare with nowMs()); 0 when there is no deadline or the host is 1.0 (which has none).
  std::int64_t deadlineMs() const noexcept {
    return OH_HAS_FIELD(call_, oh_step_call, deadline_ms) ? call_->deadline_ms : 0;
  }

  // True once the host stopped waiting for this call (its deadline passed): every service
  // then fails with OH_STATUS_ABANDONED and nothing the call does is kept, so a long step
  // polls this between units of work and returns. Always false on a 1.0 host.
  bool abandoned() const noexcept {
    return ORDERHOST_SDK_HAS_SERVICE(services_, is_abandoned) &&
           services_->is_abandoned(call_->ctx) != 0;
  }

  // True when the host asks for a quote (ABI 1.2, POST /v1/quotes), which it does only for
  // steps whose flags include OH_STEP_ANSWERS_QUOTES. Answer from the same rules as a run and
  // write what you would decide into the order document, but change nothing: no outside
  // system (gateway, carrier, mail), nothing taken (numbers, reservations). Statements still
  // run, in a transaction the host always rolls back; events are dropped. A SUSPEND means
  // "the order would wait here" and the quote goes on. Always false on an older host.
  //
  //   if (call.quoting()) { call.order().set("/availability", available); return
  //   sdk::Outcome::proceed(); }
  bool quoting() const noexcept {
    return OH_HAS_FIELD(call_, oh_step_call, mode) && call_->mode == OH_CALL_QUOTE;
  }

  // orderhost.events/1: events committed with this step's result (see events.hpp).
  Events events() const noexcept { return Events(*services_, call_->ctx); }

  const oh_host_services& services() const noexcept { return *services_; }
  oh_context* rawContext() const noexcept { return call_->ctx; }

 private:
  const oh_host_services* services_;
  const oh_step_call* call_;
};

// Step
//
// Base class of every C++ step. Derive, give it a constructor taking CreateContext& (or a
// default constructor when there is no config), override run(), and override compensate()
// only when the step has an effect to undo: the SDK then publishes a compensate function,
// otherwise it leaves oh_step_kind.compensate NULL so the host knows there is nothing to undo.
//
// Example:
//   class NoopStep : public sdk::Step {
//    public:
//     sdk::Outcome run(sdk::StepCall&) override { return sdk::Outcome::proceed(); }
//   };
class Step {
 public:
  virtual ~Step() = default;

  // Processes one order. Return an Outcome; throw only for the unexpected (→ FAIL).
  virtual Outcome run(StepCall& call) = 0;

  // Undoes a completed run(). Must be idempotent: the host may call it more than once.
  virtual Outcome compensate(StepCall& call) {
    (void)call;
    return Outcome::proceed();
  }
};

}  // namespace orderhost::sdk

#endif  // ORDERHOST_SDK_STEP_HPP
