// The chain set a host serves now, swapped whole by a reload.
//
// HTTP threads, the poller and step workers read the catalog while a reload (SIGHUP or
// POST /v1/admin/reload) replaces it. Readers take a snapshot, a shared pointer to an
// immutable ChainSet, and work on it; a reload builds the next set completely and then
// replaces the pointer under a mutex, so no reader ever sees a half-built set, and a set (and
// every chain in it) lives as long as any reader still holds it.
//
//   ChainCatalog catalog(buildChains(definitions, registry, clock));
//   std::shared_ptr<const ChainSet> chains = catalog.current();   // a reader
//   if (auto chain = chains->find("place-order", 2)) run(*chain);
//   catalog.replace(std::make_shared<const ChainSet>(std::move(next)));  // a reload
#pragma once

#include "host/engine/ReadyChain.h"

#include <cstdint>
#include <memory>
#include <mutex>

namespace orderhost::engine {

class ChainCatalog {
public:
    explicit ChainCatalog(ChainSet initial = {}) : current_(std::make_shared<const ChainSet>(std::move(initial))) {}
    ChainCatalog(const ChainCatalog&) = delete;
    ChainCatalog& operator=(const ChainCatalog&) = delete;

    // Thread-safe. The set being served; never null.
    std::shared_ptr<const ChainSet> current() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return current_;
    }

    // Thread-safe. Serves `next` from now on; readers holding the previous set keep it.
    void replace(std::shared_ptr<const ChainSet> next) {
        std::lock_guard<std::mutex> lock(mutex_);
        current_ = std::move(next);
        ++generation_;
    }

    // How many times the set was replaced since the host started.
    std::uint64_t generation() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return generation_;
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const ChainSet> current_;
    std::uint64_t generation_ = 0;
};

}  // namespace orderhost::engine
