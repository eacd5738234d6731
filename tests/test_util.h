// Small builders for hand-made venues in tests. Decimal text in, exact fixed-point out.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "backstop/engine/engine.h"
#include "backstop/money/fixed.h"

namespace backstop::testing_util {

inline int64_t dec(const std::string& s, int decimals) {
  std::string err;
  auto v = parse_decimal(s, decimals, &err);
  if (!v) throw std::runtime_error("bad decimal in test: " + s + ": " + err);
  return *v;
}
inline Price px(const std::string& s) {
  return Price::from_raw(dec(s, kPriceDecimals));
}
inline Ratio rt(const std::string& s) {
  return Ratio::from_raw(dec(s, kRatioDecimals));
}
inline Value usd(const std::string& s) {
  return Value::from_raw(dec(s, kValueDecimals));
}
inline Quantity qty(const std::string& s, int decimals) {
  return Quantity::from_raw(dec(s, decimals));
}

inline AssetParams asset(const std::string& sym, int decimals, const std::string& w_init,
                         const std::string& w_maint, bool borrowable = false) {
  AssetParams p;
  p.symbol = sym;
  p.decimals = decimals;
  p.weight_initial = rt(w_init);
  p.weight_maint = rt(w_maint);
  p.borrowable = borrowable;
  return p;
}

inline AssetState priced(const std::string& price) {
  AssetState s;
  s.price = px(price);
  return s;
}

// A perp market quoted in asset `quote` with a single margin tier (initial, maint) from notional 0.
inline PerpParams one_tier_perp(const std::string& sym, int base_decimals, AssetId quote,
                                const std::string& initial, const std::string& maint) {
  PerpParams p;
  p.symbol = sym;
  p.base_decimals = base_decimals;
  p.quote = quote;
  p.tiers = {MarginTier{Quantity{}, rt(initial), rt(maint)}};
  return p;
}

// A perp market's state with mark (and oracle) at `mark`.
inline PerpState perp_at(const std::string& mark) {
  PerpState s;
  s.mark = px(mark);
  s.oracle = s.mark;
  return s;
}

// BTC-PERP (8 base decimals, mark 60,000) and ETH-PERP (9, mark 2,000), quoted in `quote`, with
// the same two tiers (5 % / 2.5 % below 100,000 of notional, 10 % / 5 % above): the random
// venues of the monitor and resolution property tests.
inline void add_btc_eth_perps(State& s, AssetId quote) {
  for (const auto& [sym, dec, mark] :
       {std::tuple{"BTC-PERP", 8, "60000"}, std::tuple{"ETH-PERP", 9, "2000"}}) {
    PerpParams p;
    p.symbol = sym;
    p.base_decimals = dec;
    p.quote = quote;
    p.tiers = {MarginTier{Quantity{}, rt("0.05"), rt("0.025")},
               MarginTier{qty("100000", 6), rt("0.1"), rt("0.05")}};
    s.add_market(p, perp_at(mark));
  }
}

inline Event ev(Timestamp t, EventBody b) {
  return Event{t, std::move(b), "test"};
}

}  // namespace backstop::testing_util
