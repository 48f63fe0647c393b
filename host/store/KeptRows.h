// The rows of a kept read: a PreparedStatements entry whose statement is read through a
// RecordSet after each run (OrderStatements.cpp's step runs, InquiryStore's inquiries), since
// Poco's into() vectors would keep the last rows' storage bound to the statement.
#pragma once

#include <cstddef>
#include <string>

#include <Poco/Data/RecordSet.h>

namespace orderhost::store::keptrows {

// A text column: NULL reads as empty.
inline std::string textAt(const Poco::Data::RecordSet& rows, std::size_t column, std::size_t row) {
    return rows.isNull(column, row) ? std::string() : rows.value(column, row).convert<std::string>();
}

// An integer column: NULL reads as `null`.
inline Poco::Int64 numberAt(const Poco::Data::RecordSet& rows, std::size_t column, std::size_t row,
                            Poco::Int64 null = 0) {
    return rows.isNull(column, row) ? null : rows.value(column, row).convert<Poco::Int64>();
}

}  // namespace orderhost::store::keptrows
