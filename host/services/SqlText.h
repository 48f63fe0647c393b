// Just enough SQL lexing for plugin statements: where the `?` placeholders are, which
// statement it is, and where one statement of a migration ends.
//
// Quoted text ('...', "..."), line comments (-- ...) and block comments (/* ... */) are
// skipped, so a '?' or ';' inside them counts for nothing. PostgreSQL dollar quoting
// ($$ ... $$) is not understood: documented as unsupported in migrations.
//
//   placeholderOffsets("SELECT '?' , ? -- ?")   == {13}
//   firstKeyword("  /* c */ update t set ...")   == "UPDATE"
//   splitStatements("CREATE TABLE a (x INT); CREATE INDEX ...;") == {"CREATE TABLE a (x INT)", ...}
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace orderhost::services {

// Byte offsets of the `?` placeholders, in order.
std::vector<std::size_t> placeholderOffsets(std::string_view sql);

// The statement's first word, upper-cased ("SELECT", "INSERT", "WITH", ...); "" for none.
std::string firstKeyword(std::string_view sql);

// The statements of a script separated by ';', trimmed; empty statements are dropped.
std::vector<std::string> splitStatements(std::string_view script);

}  // namespace orderhost::services
