// Reads one chain file (YAML) into a ChainDefinition, or into the list of EVERY problem
// found, each with file:line:column, so an administrator can fix a file in one pass.
//
//   ChainParseResult result = parseChainFile("config/chains/place-order.yaml");
//   if (!result.ok())
//       for (const ChainError& e : result.errors) std::cerr << e.toString() << "\n";
//
// The format is described in docs/admin-guide (chain files). Fields are declared in tables in
// ChainFileParser.cpp: adding a field (timeouts, retry backoff, conditions...) is one row
// plus a member in ChainDefinition.h. Checks that need the plugins (unknown plugin or step
// kind, config refused) are not done here; they use the SourceLocations kept in the model.
#pragma once

#include "host/chains/ChainDefinition.h"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orderhost::chains {

// Larger chain files are refused before yaml-cpp reads them.
inline constexpr std::size_t kMaxChainFileBytes = 1024 * 1024;
// A chain with more steps is refused (it also bounds work on alias-expanded step lists).
inline constexpr std::size_t kMaxChainSteps = 200;

struct ChainParseResult {
    std::optional<ChainDefinition> chain;  // set only when errors is empty
    std::vector<ChainError> errors;
    bool ok() const { return chain.has_value(); }
};

// Parses chain YAML; `fileNameForMessages` is what error locations show.
ChainParseResult parseChainText(std::string_view text, const std::string& fileNameForMessages);

// Reads and parses a file; an unreadable or oversized file is one error.
ChainParseResult parseChainFile(const std::filesystem::path& path);

}  // namespace orderhost::chains
