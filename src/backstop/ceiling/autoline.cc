#include "backstop/ceiling/autoline.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace backstop {

const char* autoline_change_name(AutoLineChange c) {
  switch (c) {
    case AutoLineChange::Disabled:
      return "disabled";
    case AutoLineChange::Unchanged:
      return "unchanged";
    case AutoLineChange::RateLimited:
      return "rate_limited";
    case AutoLineChange::Raised:
      return "raised";
    case AutoLineChange::Lowered:
      return "lowered";
  }
  return "?";
}

AutoLineStep autoline_step(const AutoLine& a, Quantity debt, Timestamp now) {
  if (a.max_line.is_negative() || a.gap.is_negative() || a.line.is_negative() ||
      debt.is_negative() || a.ttl < 0) {
    throw std::invalid_argument("autoline: negative amount or ttl");
  }
  AutoLineStep s;
  s.next = a;
  if (a.max_line.is_zero()) {
    s.change = AutoLineChange::Disabled;
    return s;
  }
  // debt + gap may exceed int64 only when it is above any int64 max_line: compare in int128.
  const int128 want = static_cast<int128>(debt.raw()) + a.gap.raw();
  s.target = want >= a.max_line.raw() ? a.max_line : Quantity::from_raw(static_cast<int64_t>(want));
  if (s.target == a.line) {
    s.change = AutoLineChange::Unchanged;
    return s;
  }
  if (s.target > a.line) {
    const Timestamp allowed = checked_add(a.last_raise, a.ttl, "autoline time");
    if (now < allowed) {
      s.change = AutoLineChange::RateLimited;
      s.raise_allowed_at = allowed;
      return s;
    }
    s.change = AutoLineChange::Raised;
    s.next.last_raise = now;
  } else {
    s.change = AutoLineChange::Lowered;
  }
  s.next.line = s.target;
  s.line_delta = s.target - a.line;
  return s;
}

std::optional<Ratio> ceiling_utilization(Quantity debt, Quantity line) {
  if (line.is_negative() || debt.is_negative()) {
    throw std::invalid_argument("ceiling utilization: negative amount");
  }
  if (line.is_zero()) return std::nullopt;
  const int128 u = mul_div(debt.raw(), kRatioOne, line.raw(), Rounding::Up);
  return Ratio::from_raw(
      static_cast<int64_t>(std::min<int128>(u, std::numeric_limits<int64_t>::max())));
}

Quantity ceiling_headroom(Quantity debt, Quantity line) {
  const int128 h = static_cast<int128>(line.raw()) - debt.raw();
  return h <= 0 ? Quantity{} : Quantity::from_raw(narrow64(h, "headroom"));
}

}  // namespace backstop
