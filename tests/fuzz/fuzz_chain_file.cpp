// Fuzz target: a chain file as an administrator writes it (host/chains: ChainFileParser, with
// YamlToJson for step configs and Condition for "when").
//
// Invariants: a result is either a chain or errors, never both nor neither; every error is
// located in this file with a message; an accepted chain satisfies everything the format
// promises (ChainChecks.h: names, ranges, unique steps, conditions within limits, and step
// configs that the host's own JSON parser accepts as documents); parsing is deterministic.
#include "host/chains/ChainFileParser.h"
#include "tests/fuzz/ChainChecks.h"

#include <cstdint>

using namespace orderhost::chains;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const ChainParseResult result = parseChainText(text, "fuzz.yaml");
    FUZZ_CHECK(result.ok() == result.errors.empty(), "a result with both a chain and errors, or neither");
    for (const ChainError& error : result.errors) {
        FUZZ_CHECK(error.location.file == "fuzz.yaml", "error in another file: " + error.location.file);
        FUZZ_CHECK(error.location.line >= 0 && error.location.column >= 0, "error at a negative position");
        FUZZ_CHECK(!error.message.empty(), "error without a message");
    }
    if (!result.ok()) return 0;
    orderhost::fuzz::checkAcceptedChain(*result.chain);
    const ChainParseResult again = parseChainText(text, "fuzz.yaml");
    FUZZ_CHECK(again.ok() && again.chain->name == result.chain->name &&
                   again.chain->steps.size() == result.chain->steps.size(),
               "parsing the same text twice gave different chains");
    for (std::size_t i = 0; i < again.chain->steps.size(); ++i)
        FUZZ_CHECK(again.chain->steps[i].configJson == result.chain->steps[i].configJson, "config differs on reparse");
    return 0;
}
