#include "host/plugins/PluginSymbols.h"

#include <cxxabi.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string_view>

namespace orderhost::plugins {
namespace {

constexpr std::string_view kEntry = "orderhost_plugin_entry";
constexpr std::size_t kNamesShown = 5;

// Defined symbols that linkers and C runtimes add to every shared library.
bool isLinkerNoise(std::string_view name) {
    static const std::set<std::string_view> noise = {"_init",
                                                     "_fini",
                                                     "_edata",
                                                     "_end",
                                                     "__bss_start",
                                                     "__bss_start__",
                                                     "_bss_end__",
                                                     "__end__",
                                                     "__data_start",
                                                     "_IO_stdin_used",
                                                     "__dso_handle",
                                                     "_DYNAMIC",
                                                     "_GLOBAL_OFFSET_TABLE_"};
    return noise.count(name) > 0;
}

std::string readable(const std::string& name) {
    int status = -1;
    std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status),
                                                     std::free);
    if (status != 0 || !demangled) return name;
    return std::string(demangled.get()) + " (" + name + ")";
}

// A read-only mapping of the whole file, unmapped on destruction.
class MappedFile {
public:
    explicit MappedFile(const std::filesystem::path& file) {
        const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return;
        struct stat st {};
        if (::fstat(fd, &st) == 0 && st.st_size > 0) {
            void* data = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
            if (data != MAP_FAILED) {
                data_ = static_cast<const unsigned char*>(data);
                size_ = static_cast<std::size_t>(st.st_size);
            }
        }
        ::close(fd);
    }
    ~MappedFile() {
        if (data_ != nullptr) ::munmap(const_cast<unsigned char*>(data_), size_);
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const unsigned char* data() const { return data_; }
    std::size_t size() const { return size_; }
    // True when [offset, offset + count * each) lies inside the file.
    bool holds(std::uint64_t offset, std::uint64_t count, std::uint64_t each) const {
        if (offset > size_ || (each != 0 && count > (size_ - offset) / each)) return false;
        return true;
    }

private:
    const unsigned char* data_ = nullptr;
    std::size_t size_ = 0;
};

// Every bound is checked against the file: a truncated or hostile file gives an error, never
// a read outside the mapping.
template <class Ehdr, class Shdr, class Sym>
void readDynsym(const MappedFile& file, ExportedSymbols& out) {
    if (!file.holds(0, 1, sizeof(Ehdr))) {
        out.error = "the ELF header is truncated";
        return;
    }
    Ehdr header;
    std::memcpy(&header, file.data(), sizeof header);
    if (header.e_shnum == 0 || header.e_shentsize != sizeof(Shdr) ||
        !file.holds(header.e_shoff, header.e_shnum, sizeof(Shdr))) {
        out.error = "it has no readable section headers, so its exported symbols cannot be checked";
        return;
    }
    auto section = [&](std::size_t i) {
        Shdr s;
        std::memcpy(&s, file.data() + header.e_shoff + i * sizeof(Shdr), sizeof s);
        return s;
    };
    for (std::size_t i = 0; i < header.e_shnum; ++i) {
        const Shdr dynsym = section(i);
        if (dynsym.sh_type != SHT_DYNSYM) continue;
        if (dynsym.sh_link >= header.e_shnum || dynsym.sh_entsize != sizeof(Sym) ||
            !file.holds(dynsym.sh_offset, dynsym.sh_size / sizeof(Sym), sizeof(Sym))) {
            out.error = "its dynamic symbol table is malformed";
            return;
        }
        const Shdr strtab = section(dynsym.sh_link);
        if (!file.holds(strtab.sh_offset, strtab.sh_size, 1)) {
            out.error = "its symbol names are truncated";
            return;
        }
        const char* names = reinterpret_cast<const char*>(file.data() + strtab.sh_offset);
        for (std::size_t k = 1; k < dynsym.sh_size / sizeof(Sym); ++k) {  // entry 0 is reserved
            Sym sym;
            std::memcpy(&sym, file.data() + dynsym.sh_offset + k * sizeof(Sym), sizeof sym);
            const unsigned bind = sym.st_info >> 4;  // ELF32_ST_BIND and ELF64_ST_BIND alike
            if (sym.st_shndx == SHN_UNDEF || bind == STB_LOCAL || sym.st_name >= strtab.sh_size) continue;
            const std::size_t maxLength = strtab.sh_size - sym.st_name;
            const std::string name(names + sym.st_name, ::strnlen(names + sym.st_name, maxLength));
            if (bind == STB_GNU_UNIQUE)
                out.gnuUnique.push_back(readable(name));
            else if (name != kEntry && !isLinkerNoise(name))
                out.extra.push_back(readable(name));
        }
        return;
    }
}

std::string listed(const std::vector<std::string>& names) {
    std::string text;
    for (std::size_t i = 0; i < names.size() && i < kNamesShown; ++i) text += (i == 0 ? "" : ", ") + names[i];
    if (names.size() > kNamesShown) text += " and " + std::to_string(names.size() - kNamesShown) + " more";
    return text;
}

}  // namespace

ExportedSymbols readExportedSymbols(const std::filesystem::path& file) {
    ExportedSymbols out;
    const MappedFile mapped(file);
    if (mapped.data() == nullptr) {
        out.error = "cannot read the file";
    } else if (mapped.size() < EI_NIDENT || std::memcmp(mapped.data(), ELFMAG, SELFMAG) != 0) {
        out.error = "not an ELF file";
    } else if (mapped.data()[EI_CLASS] == ELFCLASS64) {
        readDynsym<Elf64_Ehdr, Elf64_Shdr, Elf64_Sym>(mapped, out);
    } else if (mapped.data()[EI_CLASS] == ELFCLASS32) {
        readDynsym<Elf32_Ehdr, Elf32_Shdr, Elf32_Sym>(mapped, out);
    } else {
        out.error = "unknown ELF class";
    }
    return out;
}

std::string uniqueSymbolProblem(const ExportedSymbols& symbols) {
    if (symbols.gnuUnique.empty()) return {};
    return "exports GNU unique symbol(s) " + listed(symbols.gnuUnique) +
           ": the dynamic loader shares such a symbol between every library that defines it, even with "
           "RTLD_LOCAL, so two plugins would share its state (typically a namespace-scope `inline` variable or "
           "a static local of an inline function). Build it with orderhost_add_plugin (hidden visibility and "
           "a version script) or give that state internal linkage";
}

std::string extraSymbolsWarning(const ExportedSymbols& symbols) {
    if (symbols.extra.empty()) return {};
    return "exports " + std::to_string(symbols.extra.size()) +
           " symbol(s) besides orderhost_plugin_entry: " + listed(symbols.extra) +
           "; they can bind to the host's or another plugin's symbols of the same name (build it with "
           "orderhost_add_plugin: hidden visibility and a version script)";
}

}  // namespace orderhost::plugins
