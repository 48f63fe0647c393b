#include "host/chains/ChainDefinition.h"

namespace orderhost::chains {

std::string SourceLocation::toString() const {
    if (line <= 0) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string ChainError::toString() const { return location.toString() + ": " + message; }

}  // namespace orderhost::chains
