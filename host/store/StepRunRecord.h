// One run of one step of an order, as the step_runs table keeps it (OrderStore::stepRuns).
#pragma once

#include <cstdint>
#include <string>

namespace orderhost::store {

struct StepRunRecord {
    std::string orderId;
    int seq = 0;  // assigned when it is written: the order's last seq + 1 (CheckpointRows.h)
    std::string stepName, pluginId, stepKind;
    int attempt = 1;
    std::string outcome, code, message;
    int64_t startedAtMs = 0, finishedAtMs = 0;
    std::string chain;   // the chain the step belongs to (orders may run several: cancel, return)
    int stepIndex = -1;  // the step's position in that chain; -1 for host records (signals)
};

}  // namespace orderhost::store
