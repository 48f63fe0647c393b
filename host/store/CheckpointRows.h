// The rows a step's checkpoint appends besides the order's own: its step run (and its outbox
// events, Outbox.h). A step transaction collects them (StepTransaction::deferRows) and writes
// them just before it commits, so a batch of steps committed together (ChainRunnerCommit.cpp)
// sends one multi-row INSERT per table where statements are kept, instead of one per row — a
// round trip each on PostgreSQL (docs/performance.md, "Step runs and events of a batch in one
// statement"). Nothing outside the transaction can tell: the rows were not visible before the
// commit either. Inside it, a plugin that reads step_runs or outbox through orderhost.db
// (reads of the host's tables are allowed, StatementPolicy.h) does not see the batch's rows
// before the commit, as it sees the orders row as the batch's first checkpoint wrote it; the
// host writes them early where it reads them itself (StepTransaction::writeDeferredRows).
#pragma once

#include <vector>

#include <Poco/Data/Session.h>

#include "host/store/StepRunRecord.h"

namespace orderhost::store {

class Database;

// Appends `runs`, each with seq = its order's last seq + 1, in their order (consecutive runs of
// one order share a statement). Throws what the INSERT throws.
void appendStepRuns(Poco::Data::Session&, const Database&, const std::vector<StepRunRecord>& runs);

}  // namespace orderhost::store
