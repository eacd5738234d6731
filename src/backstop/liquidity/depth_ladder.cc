#include "backstop/liquidity/depth_ladder.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "backstop/liquidity/big.h"

namespace backstop {
namespace {

using liq::Big;

void validate_side(const std::vector<Level>& levels, bool descending, const char* name) {
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const Level& l = levels[i];
    const std::string where = std::string(name) + " level " + std::to_string(i);
    if (!l.price.is_positive()) throw std::invalid_argument(where + ": price must be > 0");
    if (!l.qty.is_positive()) throw std::invalid_argument(where + ": quantity must be > 0");
    if (i > 0 && (descending ? l.price >= levels[i - 1].price : l.price <= levels[i - 1].price)) {
      throw std::invalid_argument(where + ": prices must be strictly " +
                                  (descending ? "descending" : "ascending"));
    }
  }
}

std::optional<Price> best(const std::vector<Level>& levels) {
  for (const Level& l : levels) {
    if (l.qty.is_positive()) return l.price;
  }
  return std::nullopt;
}

}  // namespace

DepthLadder::DepthLadder(const LadderParams& p) : p_(p), bids_(p.bids), asks_(p.asks) {
  validate_pair(p.pair);
  validate_side(p.bids, true, "bid");
  validate_side(p.asks, false, "ask");
  if (!p.bids.empty() && !p.asks.empty() && p.asks.front().price <= p.bids.front().price) {
    throw std::invalid_argument("depth ladder: best ask must be above best bid (crossed book)");
  }
}

std::optional<Price> DepthLadder::marginal(Side side) const {
  return best(side == Side::Sell ? bids_ : asks_);
}

Quantity DepthLadder::sell_capacity() const {
  Big total = 0;
  for (const Level& l : bids_) total += l.qty.raw();
  return Quantity::from_raw(total > INT64_MAX ? INT64_MAX : total.convert_to<int64_t>());
}

Fill DepthLadder::walk(Side side, Quantity requested) const {
  if (requested.is_negative()) throw std::invalid_argument("trade size must be >= 0");
  int64_t available = 0;
  for (const Level& l : side == Side::Sell ? bids_ : asks_) {
    available = checked_add(available, l.qty.raw(), "ladder depth");
  }
  return liq::largest_fill(std::min(requested.raw(), available),
                           [&](int64_t filled) { return try_walk(side, requested, filled); });
}

std::optional<Fill> DepthLadder::try_walk(Side side, Quantity requested, int64_t filled) const {
  const std::vector<Level>& levels = side == Side::Sell ? bids_ : asks_;
  const Rounding r = side == Side::Sell ? Rounding::Down : Rounding::Up;
  Fill f;
  f.side = side;
  f.requested = requested;
  f.base = Quantity::from_raw(filled);
  int64_t remaining = filled;
  Big notional = 0;  // sum q_i p_i (base quanta * Price raw)
  std::size_t i = 0;
  for (; i < levels.size() && remaining > 0; ++i) {
    const int64_t take = std::min(remaining, levels[i].qty.raw());
    notional += Big(take) * levels[i].price.raw();
    remaining -= take;
    if (take < levels[i].qty.raw()) break;  // level i keeps some quantity: it is the next price
  }
  // Next price on this side: level i if the walk stopped inside it, else the first level after
  // the consumed ones that has quantity left.
  f.marginal_after = std::nullopt;
  for (std::size_t j = i; j < levels.size(); ++j) {
    if (levels[j].qty.is_positive()) {
      f.marginal_after = levels[j].price;
      break;
    }
  }
  if (filled == 0) {
    f.avg_price = marginal(side).value_or(Price{});
    return f;
  }
  const liq::Scale s = liq::scale_of(p_.pair);
  const Big quote = liq::div_round(notional * s.a, s.b, r);
  if (!liq::fits_i64(quote)) return std::nullopt;
  f.quote = Quantity::from_raw(quote.convert_to<int64_t>());
  f.avg_price =
      Price::from_raw(liq::to_i64(liq::div_round(notional, Big(filled), r), "ladder average"));
  return f;
}

Fill DepthLadder::sell(Quantity base) const {
  return walk(Side::Sell, base);
}
Fill DepthLadder::buy(Quantity base) const {
  return walk(Side::Buy, base);
}

void DepthLadder::apply(const Fill& f) {
  if (walk(f.side, f.requested) != f) {
    throw std::invalid_argument("depth ladder: fill was not computed on the current state");
  }
  std::vector<Level>& levels = f.side == Side::Sell ? bids_ : asks_;
  int64_t remaining = f.base.raw();
  for (Level& l : levels) {
    const int64_t take = std::min(remaining, l.qty.raw());
    l.qty -= Quantity::from_raw(take);
    remaining -= take;
    if (remaining == 0) break;
  }
}

void DepthLadder::recover(int64_t dt_seconds, int64_t half_life_seconds) {
  auto refill = [&](std::vector<Level>& cur, const std::vector<Level>& ref) {
    for (std::size_t i = 0; i < cur.size(); ++i) {
      const int128 missing = static_cast<int128>(ref[i].qty.raw()) - cur[i].qty.raw();
      const int128 left = decay_toward_zero(missing, dt_seconds, half_life_seconds);
      cur[i].qty = Quantity::from_raw(narrow64(ref[i].qty.raw() - left, "ladder level"));
    }
  };
  (void)decay_factor_e18(dt_seconds, half_life_seconds);  // validates the arguments
  refill(bids_, p_.bids);
  refill(asks_, p_.asks);
}

}  // namespace backstop
