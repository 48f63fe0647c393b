// ISO 4217 currency codes, for plugins that take a currency from an order or their config.
//
//   if (!orderhost::sdk::isIsoCurrency(code)) return Outcome::reject("currency_unknown", ...);
//
// The list is compiled in: a plugin must not depend on files of the host's machine.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string_view>

namespace orderhost::sdk {

namespace detail {
// a < b for three-letter codes, usable in a constant expression (C++17).
constexpr bool codeLess(std::string_view a, std::string_view b) { return a.compare(b) < 0; }
template <std::size_t N>
constexpr bool strictlySorted(const std::string_view (&codes)[N]) {
  for (std::size_t i = 1; i < N; ++i)
    if (!codeLess(codes[i - 1], codes[i])) return false;
  return true;
}
}  // namespace detail

// True for an active ISO 4217 code ("EUR"); false for "eur", "ZZZ", "XAU", "XTS" or "".
//
// The list is a local of this function, not a namespace-scope variable: g++ exports an inline
// variable as a GNU unique symbol, which the host's loader refuses in a plugin built without
// orderhost_add_plugin (plugin author guide, "GNU unique symbol").
inline bool isIsoCurrency(std::string_view code) {
  // ISO 4217's active currency codes (Debian's iso-codes 4.15, /usr/share/iso-codes/json/
  // iso_4217.json), without the codes that name no money an order is paid in: precious metals
  // (XAG, XAU, XPD, XPT), bond units (XBA-XBD), XDR, XSU, XUA, XTS (testing) and XXX (none).
  // Sorted, for the binary search below.
  constexpr std::string_view codes[] = {
      "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
      "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
      "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
      "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
      "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR",
      "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW",
      "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA",
      "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD",
      "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG",
      "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE",
      "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP",
      "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED",
      "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL"};
  static_assert(detail::strictlySorted(codes), "the ISO 4217 list must stay sorted");
  return std::binary_search(std::begin(codes), std::end(codes), code, detail::codeLess);
}

}  // namespace orderhost::sdk
