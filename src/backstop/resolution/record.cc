#include "backstop/resolution/record.h"

#include <ostream>
#include <stdexcept>

#include "backstop/money/fixed.h"

namespace backstop {

RecordValue RecordValue::decimal(int128 raw, int decimals) {
  if (decimals < 0) throw std::invalid_argument("record decimal with negative decimals");
  RecordValue v;
  v.raw_ = raw;
  v.decimals_ = decimals;
  return v;
}

std::string RecordValue::str() const {
  return decimals_ < 0 ? text_ : format_decimal(raw_, decimals_);
}

std::optional<std::pair<int128, int>> RecordValue::as_decimal() const {
  if (decimals_ < 0) return std::nullopt;
  return std::pair<int128, int>{raw_, decimals_};
}

bool operator==(const RecordValue& a, const RecordValue& b) {
  if (a.decimals_ >= 0 && a.decimals_ == b.decimals_) return a.raw_ == b.raw_;
  if (a.decimals_ < 0 && b.decimals_ < 0) return a.text_ == b.text_;
  return a.str() == b.str();
}

std::ostream& operator<<(std::ostream& os, const RecordValue& v) {
  return os << v.str();
}

}  // namespace backstop
