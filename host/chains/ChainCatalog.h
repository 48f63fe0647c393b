// The loaded chains, by name and version. New orders start on a chain's latest version;
// orders already running keep the version they started with, looked up by (name, version).
//
//   ChainCatalog catalog;
//   catalog.add(std::move(definition));                  // error if (name, version) exists
//   const ChainDefinition* chain = catalog.latest("place-order");
//   const ChainDefinition* pinned = catalog.find("place-order", 3);
//
// Not thread-safe: build it, then share it read-only (a reload builds a new catalog).
#pragma once

#include "host/chains/ChainDefinition.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orderhost::chains {

class ChainCatalog {
public:
    // Adds a chain. When (name, version) is already present, nothing changes and the error
    // names both definitions' locations.
    std::optional<ChainError> add(ChainDefinition chain);

    // The highest version of `name`, or null. Pointers stay valid until the catalog dies.
    const ChainDefinition* latest(const std::string& name) const;
    // Exactly (name, version), or null.
    const ChainDefinition* find(const std::string& name, int version) const;

    // Chain names, sorted.
    std::vector<std::string> names() const;
    // Versions of `name`, ascending (empty when unknown).
    std::vector<int> versions(const std::string& name) const;
    // Number of (name, version) entries.
    std::size_t size() const;

private:
    std::map<std::string, std::map<int, ChainDefinition>> chains_;
};

}  // namespace orderhost::chains
