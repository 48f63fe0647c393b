// orderhost/sdk/outcome.hpp — what a step decided about the order.
//
// Business results (credit declined, price mismatch, waiting for approval) are outcomes, not
// errors: a step returns one from run()/compensate() and the SDK hands it to the host with
// report_outcome(). Exceptions are for the unexpected only (see error.hpp).
#ifndef ORDERHOST_SDK_OUTCOME_HPP
#define ORDERHOST_SDK_OUTCOME_HPP

#include <orderhost/plugin_api.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace orderhost::sdk {

// Outcome
//
// One of CONTINUE, REJECT, RETRY, SUSPEND or FAIL with its code, message and timing. The
// strings are copied in, so temporaries are fine. The factories mirror oh_outcome_kind;
// withCode() adds a machine-readable code to the kinds whose factory does not take one.
//
// Example:
//   if (exposure > limit)
//     return sdk::Outcome::suspend("credit_approval", "amount 600000 exceeds limit 500000")
//         .withCode("credit_limit_exceeded");
//   return sdk::Outcome::proceed();
class Outcome {
 public:
  // The step is done; the chain goes on. ("continue" is a C++ keyword.)
  static Outcome proceed() { return Outcome(OH_OUTCOME_CONTINUE); }

  // Business refusal: the order stops here. `code` is for machines ("unknown_sku").
  static Outcome reject(std::string code, std::string message) {
    return Outcome(OH_OUTCOME_REJECT, std::move(code), std::move(message));
  }

  // Transient trouble: run again later; retry_after_ms 0 lets the chain's policy decide.
  static Outcome retry(std::string message, std::uint64_t retry_after_ms = 0) {
    Outcome o(OH_OUTCOME_RETRY, std::string(), std::move(message));
    o.retry_after_ms_ = retry_after_ms;
    return o;
  }

  // Wait until `signal` arrives for this order; timeout_ms 0 lets the chain decide.
  static Outcome suspend(std::string signal, std::string message, std::uint64_t timeout_ms = 0) {
    Outcome o(OH_OUTCOME_SUSPEND, std::string(), std::move(message));
    o.signal_ = std::move(signal);
    o.timeout_ms_ = timeout_ms;
    return o;
  }

  // The step cannot succeed; the chain's failure policy applies.
  static Outcome fail(std::string code, std::string message) {
    return Outcome(OH_OUTCOME_FAIL, std::move(code), std::move(message));
  }

  // A copy with `code` set, e.g. Outcome::retry("gateway down").withCode("gateway_timeout").
  Outcome withCode(std::string code) const& {
    Outcome o = *this;
    o.code_ = std::move(code);
    return o;
  }
  Outcome withCode(std::string code) && {
    code_ = std::move(code);
    return std::move(*this);
  }

  oh_outcome_kind kind() const noexcept { return kind_; }
  const std::string& code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  const std::string& signal() const noexcept { return signal_; }
  std::uint64_t retryAfterMs() const noexcept { return retry_after_ms_; }
  std::uint64_t timeoutMs() const noexcept { return timeout_ms_; }

  // The C view for report_outcome(). It borrows this Outcome's strings: keep the Outcome
  // alive until report_outcome returns (the host copies everything it keeps).
  oh_outcome toC() const noexcept {
    oh_outcome out{};
    out.struct_size = sizeof(oh_outcome);
    out.kind = kind_;
    out.code = oh_str{code_.data(), code_.size()};
    out.message = oh_str{message_.data(), message_.size()};
    out.retry_after_ms = retry_after_ms_;
    out.signal = oh_str{signal_.data(), signal_.size()};
    out.timeout_ms = timeout_ms_;
    return out;
  }

 private:
  explicit Outcome(oh_outcome_kind kind, std::string code = {}, std::string message = {})
      : kind_(kind), code_(std::move(code)), message_(std::move(message)) {}

  oh_outcome_kind kind_;
  std::string code_;
  std::string message_;
  std::string signal_;
  std::uint64_t retry_after_ms_ = 0;
  std::uint64_t timeout_ms_ = 0;
};

}  // namespace orderhost::sdk

#endif  // ORDERHOST_SDK_OUTCOME_HPP
