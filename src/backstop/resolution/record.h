// File: resolution/record.h
// One line of the resolution log: a liquidation, a declined or blocked one, a bad-debt booking,
// a waterfall step, an ADL fill. Fields are exact decimal strings in a fixed order per kind
// (documented in docs/json-output.md, "resolution"). Plain data.
//
// A field's value is text, or an exact decimal held as (raw integer, decimals) and formatted only
// when read (str()): a simulated path writes tens of thousands of liquidation records and reads
// only their kind and account. Either way str() is the documented text, and two values are equal
// when their texts are.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backstop/model/ids.h"
#include "backstop/money/fixed.h"
#include "backstop/money/int128.h"

namespace backstop {

class RecordValue {
 public:
  RecordValue() = default;
  // Text, as given (implicit, so that {"side", "sell"} and {"market", symbol} read naturally).
  RecordValue(std::string text) : text_(std::move(text)) {}  // NOLINT(google-explicit-constructor)
  RecordValue(const char* text) : text_(text) {}             // NOLINT(google-explicit-constructor)
  // The exact decimal raw / 10^decimals, formatted as format_decimal(raw, decimals) when read.
  [[nodiscard]] static RecordValue decimal(int128 raw, int decimals);

  [[nodiscard]] std::string str() const;
  operator std::string() const { return str(); }  // NOLINT(google-explicit-constructor)
  // The (raw, decimals) of a decimal value; std::nullopt for text.
  [[nodiscard]] std::optional<std::pair<int128, int>> as_decimal() const;

  friend bool operator==(const RecordValue& a, const RecordValue& b);
  friend bool operator==(const RecordValue& a, std::string_view b) { return a.str() == b; }
  friend bool operator==(const RecordValue& a, const char* b) { return a.str() == b; }

 private:
  std::string text_;  // the value when decimals_ < 0
  int128 raw_ = 0;
  int decimals_ = -1;
};

std::ostream& operator<<(std::ostream& os, const RecordValue& v);

// Exact decimal record values of the money types (the decimals format() would use).
[[nodiscard]] inline RecordValue exact(Price v) {
  return RecordValue::decimal(v.raw(), kPriceDecimals);
}
[[nodiscard]] inline RecordValue exact(Value v) {
  return RecordValue::decimal(v.raw(), kValueDecimals);
}
[[nodiscard]] inline RecordValue exact(Quantity q, int decimals) {
  return RecordValue::decimal(q.raw(), decimals);
}

// One field: its key is a string literal (static storage; the resolver names every field with
// one), so a record copies no key text.
using RecordField = std::pair<std::string_view, RecordValue>;

struct ResolutionRecord {
  Timestamp time = 0;
  std::string_view kind;  // a literal: liquidation | liquidation_declined | toxic_guard |
                          // bad_debt | waterfall | socialization | adl_fill | adl_unfilled |
                          // autoline | auction_take | auction_reset | socialization_failed |
                          // redistribution | store_front_sale
  std::optional<AccountId> account;
  std::vector<RecordField> fields;
};

}  // namespace backstop
