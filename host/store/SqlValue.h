// A value bound to one `?` of a statement: null, integer, boolean or text. Shared by the store's
// direct ODBC statements (OdbcStatement.h) and a plugin's parameters (services/PluginStatement.h),
// which are passed to them as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

namespace orderhost::store {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, bool, std::string>;

}  // namespace orderhost::store
