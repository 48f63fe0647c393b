// provisioning/service_term.hpp: calendar months in UTC, the day clamped to the month's end.
#include "provisioning/service_term.hpp"

#include <gtest/gtest.h>

namespace {

using provisioning::addMonths;
using provisioning::daysFromCivil;
using provisioning::kDayMs;

std::int64_t at(int y, unsigned m, unsigned d, std::int64_t timeOfDayMs = 0) {
    return daysFromCivil(y, m, d) * kDayMs + timeOfDayMs;
}

TEST(ServiceTerm, AddsCalendarMonthsKeepingTheTimeOfDay) {
    EXPECT_EQ(at(1970, 1, 1), 0);
    EXPECT_EQ(addMonths(at(2026, 3, 15, 12345), 1), at(2026, 4, 15, 12345));
    EXPECT_EQ(addMonths(at(2026, 11, 30), 12), at(2027, 11, 30));
    EXPECT_EQ(addMonths(at(2026, 11, 30), 2), at(2027, 1, 30)) << "across the year";
}

TEST(ServiceTerm, ClampsTheDayToTheTargetMonthsLastDay) {
    EXPECT_EQ(addMonths(at(2026, 1, 31), 1), at(2026, 2, 28));
    EXPECT_EQ(addMonths(at(2028, 1, 31), 1), at(2028, 2, 29)) << "leap year";
    EXPECT_EQ(addMonths(at(2100, 1, 31), 1), at(2100, 2, 28)) << "a century is no leap year";
    EXPECT_EQ(addMonths(at(2026, 8, 31), 1), at(2026, 9, 30));
}

}  // namespace
