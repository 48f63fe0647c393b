// orderhost.provisioning — a subscription's term: calendar months after its start, in UTC.
// "Start 31 January + 1 month" ends on 28 (29) February: the day is clamped to the month's
// last day, the time of day is kept. Header-only, no host or SDK types.
#pragma once

#include <cstdint>

namespace provisioning {

constexpr std::int64_t kDayMs = 86400000;

// Days since 1970-01-01 <-> civil date (H. Hinnant's algorithms, proleptic Gregorian).
inline std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

inline void civilFromDays(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

inline unsigned daysInMonth(std::int64_t y, unsigned m) {
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap ? 1 : 0);
}

// `startMs` (ms since the epoch, >= 0) plus `months` calendar months.
inline std::int64_t addMonths(std::int64_t startMs, int months) {
    const std::int64_t days = startMs / kDayMs, timeOfDay = startMs % kDayMs;
    std::int64_t y;
    unsigned m, d;
    civilFromDays(days, y, m, d);
    const std::int64_t index = y * 12 + (m - 1) + months;
    y = index / 12;
    m = static_cast<unsigned>(index % 12) + 1;
    if (d > daysInMonth(y, m)) d = daysInMonth(y, m);
    return daysFromCivil(y, m, d) * kDayMs + timeOfDay;
}

}  // namespace provisioning
