#include "backstop/liquidity/liquidity.h"

#include <functional>

namespace backstop {
namespace {

// Largest q in [0, hi] with ok(q), for ok true...true false...false; nullopt if !ok(0).
std::optional<int64_t> greatest(int64_t hi, const std::function<bool(int64_t)>& ok) {
  if (!ok(0)) return std::nullopt;
  int64_t lo = 0;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2 + 1;
    if (ok(mid)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

}  // namespace

Fill LiquidityModel::sell(Quantity base) const {
  return std::visit([&](const auto& m) { return m.sell(base); }, m_);
}

Fill LiquidityModel::buy(Quantity base) const {
  return std::visit([&](const auto& m) { return m.buy(base); }, m_);
}

void LiquidityModel::apply(const Fill& f) {
  std::visit([&](auto& m) { m.apply(f); }, m_);
}

bool LiquidityModel::set_curve_depth(Quantity depth) {
  auto* c = std::get_if<SlippageCurve>(&m_);
  if (c == nullptr) return false;
  c->set_depth(depth);
  return true;
}

void LiquidityModel::recover(int64_t dt_seconds, int64_t half_life_seconds) {
  std::visit([&](auto& m) { m.recover(dt_seconds, half_life_seconds); }, m_);
}

std::optional<Price> LiquidityModel::marginal(Side side) const {
  return std::visit([&](const auto& m) -> std::optional<Price> { return m.marginal(side); }, m_);
}

Quantity LiquidityModel::sell_capacity() const {
  return std::visit([](const auto& m) { return m.sell_capacity(); }, m_);
}

// The searches below look only at sizes up to the largest fillable sell (one trade at the
// capacity, which bisects at most once itself, at extreme prices): a larger size fills only that
// much, so no predicate holds there, and every size below it fills at once. Searching the whole
// capacity instead nested the trade's own bisection inside this one (~63 x 63 wide-integer
// trades per call where prices approach the 64-bit range).
int64_t LiquidityModel::fillable_sell() const {
  return sell(sell_capacity()).base.raw();
}

Quantity LiquidityModel::max_sell_at_average(Price limit) const {
  const auto q = greatest(fillable_sell(), [&](int64_t v) {
    const Fill f = sell(Quantity::from_raw(v));
    return f.base.raw() == v && f.avg_price >= limit;
  });
  return Quantity::from_raw(q.value_or(0));
}

Quantity LiquidityModel::max_sell_at_marginal(Price floor) const {
  const auto q = greatest(fillable_sell(), [&](int64_t v) {
    const Fill f = sell(Quantity::from_raw(v));
    return f.base.raw() == v && f.marginal_after.has_value() && *f.marginal_after >= floor;
  });
  return Quantity::from_raw(q.value_or(0));
}

std::optional<Quantity> LiquidityModel::min_sell_for_proceeds(Quantity quote) const {
  if (!quote.is_positive()) return Quantity{};
  const Fill all = sell(sell_capacity());
  if (all.quote < quote) return std::nullopt;
  // Largest size whose proceeds are still short, plus one (at most all.base, which is not short).
  const auto short_of = greatest(
      all.base.raw(), [&](int64_t v) { return sell(Quantity::from_raw(v)).quote < quote; });
  return Quantity::from_raw(*short_of + 1);
}

void LiquidityModel::follow_price(Price p) {
  if (!p.is_positive()) return;
  if (auto* curve = std::get_if<SlippageCurve>(&m_)) curve->set_reference(p);
}

}  // namespace backstop
