#include "host/chains/ChainCatalog.h"

namespace orderhost::chains {

std::optional<ChainError> ChainCatalog::add(ChainDefinition chain) {
    auto& versions = chains_[chain.name];
    const auto existing = versions.find(chain.version);
    if (existing != versions.end()) {
        return ChainError{chain.location, "chain \"" + chain.name + "\" version " + std::to_string(chain.version) +
                                              " is already defined in " + existing->second.location.toString()};
    }
    const int version = chain.version;
    versions.emplace(version, std::move(chain));
    return std::nullopt;
}

const ChainDefinition* ChainCatalog::latest(const std::string& name) const {
    const auto found = chains_.find(name);
    if (found == chains_.end() || found->second.empty()) return nullptr;
    return &found->second.rbegin()->second;
}

const ChainDefinition* ChainCatalog::find(const std::string& name, int version) const {
    const auto found = chains_.find(name);
    if (found == chains_.end()) return nullptr;
    const auto exact = found->second.find(version);
    return exact == found->second.end() ? nullptr : &exact->second;
}

std::vector<std::string> ChainCatalog::names() const {
    std::vector<std::string> result;
    for (const auto& [name, versions] : chains_)
        if (!versions.empty()) result.push_back(name);
    return result;
}

std::vector<int> ChainCatalog::versions(const std::string& name) const {
    std::vector<int> result;
    const auto found = chains_.find(name);
    if (found != chains_.end())
        for (const auto& entry : found->second) result.push_back(entry.first);
    return result;
}

std::size_t ChainCatalog::size() const {
    std::size_t count = 0;
    for (const auto& entry : chains_) count += entry.second.size();
    return count;
}

}  // namespace orderhost::chains
