// How a return ends (issue 11): a return that the returns plugin refuses, or whose later step
// fails, is the end of that return, not of the order. The goods were delivered and paid: the
// order goes back to the state, chain and step it had before the return (completed, or
// returned after an earlier partial return), and the return is recorded as refused or failed,
// with the step, code and message that ended it, at /return/{status,failure,settled_at}. A
// further return (a new return_ref) may start from there.
//
//   /return/order_before  written when the return starts (OrderCommands::requestReturn):
//                         {"state","chain","chain_version","current_step"} of the order then;
//                         removed when the return is settled
//   /return/failure       {"step","outcome","code","message"} of the run that began the bad end
//                         (the reject or fail, before any compensation of the return's steps)
//   /return/status        "returned", "refused" (a step rejected it) or "failed"
//   /return/settled_at    when the return ended (ms since the epoch)
//
// Everything is written into the checkpoint that makes the transition, so a crash never leaves
// half of it. Orders whose return started before this existed (no /return/order_before) keep
// the old behaviour: they end rejected or failed on the return chain.
#pragma once

#include "host/document/JsonDocument.h"
#include "host/engine/ReadyChain.h"
#include "host/store/OrderStore.h"

#include <string>

namespace orderhost::engine::returns {

// Writes /return/order_before for `order` (its state before the return); false on failure.
bool rememberOrderBefore(document::JsonDocument& doc, const store::OrderRecord& order);

// For a checkpoint of `chain` moving an order to `updated` with `run`: when the chain is a
// return chain, records the failure and settles the return as described above, rewriting
// `updated` (state, chain, version, step, document). Answers what it recorded: "" (nothing),
// "failure" (the bad end began, compensation follows), "refused", "failed" or "returned".
std::string settle(const ReadyChain& chain, store::OrderRecord& updated, const store::StepRunRecord& run);

}  // namespace orderhost::engine::returns
