// What a plugin library exports, read from its ELF dynamic symbol table without loading it.
//
// ABI rule 1 asks for one exported symbol, orderhost_plugin_entry. Two departures matter:
//  - GNU unique symbols (binding STB_GNU_UNIQUE, `u` in nm): g++ gives them to exported
//    namespace-scope `inline` variables, static locals of inline functions and static data
//    members of templates. The dynamic loader keeps ONE copy of each per process, even across
//    libraries opened with RTLD_LOCAL, so two plugins defining the same one share its state
//    (the SDK's migrations once ran as another plugin's this way). Such a library is refused.
//  - Any other defined, exported symbol: it may bind to the host's or another library's
//    symbol of the same name and becomes an accidental interface. Reported as a warning.
// Symbols every linker adds (_init, _fini, _edata, ...) and undefined (imported) ones are
// ignored. The file is only mapped and read, never run, so this is safe on untrusted files.
//
//   ExportedSymbols s = readExportedSymbols("plugins/acme.so");
//   if (!s.error.empty()) ...;  if (!s.gnuUnique.empty()) ... refuse ...;
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace orderhost::plugins {

struct ExportedSymbols {
    std::vector<std::string> gnuUnique;  // names as "demangled (mangled)" or plain C names
    std::vector<std::string> extra;      // other defined exports besides the entry function
    std::string error;                   // why the table could not be read, or ""
};

ExportedSymbols readExportedSymbols(const std::filesystem::path& file);

// The refusal for a library exporting GNU unique symbols, or "" (also "" when unreadable:
// the loader's own checks word that better).
std::string uniqueSymbolProblem(const ExportedSymbols& symbols);

// A one-line warning about extra exported symbols, or "".
std::string extraSymbolsWarning(const ExportedSymbols& symbols);

}  // namespace orderhost::plugins
