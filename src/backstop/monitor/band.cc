#include "backstop/monitor/band.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "backstop/margin/risk.h"

namespace backstop {
namespace {

int128 at_least_one(int64_t r) {
  return std::max<int64_t>(r, kRatioOne);
}
int128 abs128(int128 v) {
  return v < 0 ? -v : v;
}

// x * num / 10^9 (a Ratio), rounded up.
int128 ratio_up(int128 x, int128 num) {
  return mul_div(x, num, kRatioOne, Rounding::Up);
}

// x * num / 10^9, rounded down (a lower bound of a gain).
int128 ratio_down(int128 x, int128 num) {
  return mul_div(x, num, kRatioOne, Rounding::Down);
}

// Micro-dollars of `q` native quanta at the asset's price, rounded up (0 for a non-positive price).
int128 usd_up(int128 q, const AssetCache& ac) {
  if (ac.price.raw() <= 0) return 0;
  return mul_div(q, ac.price.raw(), ac.value_den, Rounding::Up);
}
int128 usd_down(int128 q, const AssetCache& ac) {
  if (ac.price.raw() <= 0) return 0;
  return mul_div(q, ac.price.raw(), ac.value_den, Rounding::Down);
}

// Most one native quantum can be worth while the price stays within a band (at most 1.1x; 2x is
// used), plus one micro-dollar: the error of one rounding at quanta scale, in micro-dollars.
int128 unit_usd(const AssetCache& ac) {
  if (ac.price.raw() <= 0) return 1;
  return div_round(int128{2} * ac.price.raw(), ac.value_den, Rounding::Up) + 1;
}

int64_t max_maint_rate(const MarketCache& m) {
  int64_t r = 0;
  for (const TierCache& t : m.tiers) r = std::max(r, t.maint_rate);
  return r;
}
int64_t min_maint_rate(const MarketCache& m) {
  if (m.tiers.empty()) return 0;
  int64_t r = m.tiers[0].maint_rate;
  for (const TierCache& t : m.tiers) r = std::min(r, t.maint_rate);
  return std::max<int64_t>(r, 0);
}

// The cap of a width or solo limit: floor(v0 * kMaxBandMove / kRatioOne) = floor(v0 / 10) for
// v0 > 0.
static_assert(kMaxBandMove * 10 == kRatioOne);
int64_t band_cap(int64_t v0) {
  return v0 / 10;
}

// Budget weight of a source with sensitivity c and volatility 2^log2_vol: ~sqrt(vol * c) (a power
// of two within a factor 2 of it, from the bit lengths); 2^(log2_vol / 2) for c = 0.
int128 budget_weight(int128 c, uint8_t log2_vol) {
  int bits = 0;
  if (c > 0) {
    const auto u = static_cast<uint128>(c);
    const auto hi = static_cast<uint64_t>(u >> 64);
    bits = hi != 0 ? 128 - std::countl_zero(hi) : 64 - std::countl_zero(static_cast<uint64_t>(u));
  }
  return int128{1} << ((bits + std::min<int>(log2_vol, kMaxLog2Volatility)) / 2);
}

// Adds rates to a source: `down` / `up` per unit relative fall / rise of the source, and the
// signed rates `net_down` / `net_up` (Driver).
void add_rates(Band& b, SourceId s, int128 down, int128 up, int128 net_down, int128 net_up) {
  for (Driver& d : b.drivers) {
    if (d.source == s) {
      d.down = checked_add(d.down, down, "band sensitivity");
      d.up = checked_add(d.up, up, "band sensitivity");
      d.net_down = checked_add(d.net_down, net_down, "band sensitivity");
      d.net_up = checked_add(d.net_up, net_up, "band sensitivity");
      return;
    }
  }
  Driver d;
  d.source = s;
  d.down = down;
  d.up = up;
  d.net_down = net_down;
  d.net_up = net_up;
  b.drivers.push_back(d);
}

// A term that grows with its source (`grows`) has its full rate `main` on the side that moves the
// excess toward zero and `other` on the opposite side: for a safe account (the excess falls toward
// zero) a growing term is adverse on a fall; for an unsafe one (it rises toward zero) on a rise.
// net_main / net_other: the signed rates of the same sides.
void add_directed(Band& b, SourceId s, bool grows, bool safe, int128 main, int128 other,
                  int128 net_main, int128 net_other) {
  if (grows == safe) {
    add_rates(b, s, main, other, net_main, net_other);
  } else {
    add_rates(b, s, other, main, net_other, net_main);
  }
}

}  // namespace

SourceLayout source_layout(const MarginCache& c) {
  return SourceLayout{static_cast<uint32_t>(c.assets.size()),
                      static_cast<uint32_t>(c.markets.size())};
}

int64_t source_value(const MarginCache& c, const SourceLayout& l, SourceId s) {
  if (s < l.assets) return c.assets[s].price.raw();
  if (s < 2 * l.assets) return c.assets[s - l.assets].supply_index.raw();
  if (s < 3 * l.assets) return c.assets[s - 2 * l.assets].borrow_index.raw();
  return c.markets[s - 3 * l.assets].mark.raw();
}

Band compute_band(const MarginCache& c, const SourceLayout& l, const MarginAccount& a,
                  std::span<const uint8_t> log2_vol, std::optional<Value> excess,
                  std::span<const uint8_t> pinned, bool for_schedule) {
  Band b;
  b.excess = excess ? *excess : maint_excess(c, a);
#ifndef NDEBUG
  if (excess && *excess != maint_excess(c, a)) {
    throw std::logic_error("compute_band: the excess given is not the account's maint_excess");
  }
#endif
  // The rates bound how fast the real excess can move toward zero: down for a safe account
  // (excess >= 0), up for an unsafe one (docs/monitor.md, "Directional rates").
  const bool safe = !b.excess.is_negative();
  int128 s = 4;
  // Token balances: T = w * amount(scaled, index) * price, added to the excess for a deposit and
  // subtracted for a borrow. With relative moves of index and price of at most 1/10,
  //   T' / T = (1 + eps_i)(1 + eps_p) >= (1 - a)(1 - b) >= 1 - a - b       (a, b: the falls)
  //   T' / T <= (1 + c)(1 + d) = 1 + c + d + cd <= 1 + 1.05 (c + d)         (c, d: the rises)
  // so T falls by at most T per unit fall of either source and rises by at most 1.05 T per unit
  // rise; a move the other way only moves T away. A deposit moves the excess toward zero on a
  // fall when the account is safe and on a rise when it is unsafe; a borrow the other way round.
  for (const TokenBalance& tb : a.balances) {
    if (tb.scaled == 0) continue;
    const AssetCache& ac = c.assets[tb.asset];
    const bool deposit = tb.scaled > 0;
    const Quantity q = deposit ? supplied_amount(tb.scaled, ac.supply_index)
                               : borrowed_amount(tb.scaled, ac.borrow_index);
    const int64_t coef = deposit ? ac.weight_maint.raw() : ac.borrow_weight_maint.raw();
    const int128 t = ratio_up(usd_up(q.raw(), ac), at_least_one(coef));
    const bool fall_hurts = deposit == safe;
    const int128 down = fall_hurts ? t : 0;
    const int128 up = fall_hurts ? 0 : mul_div(t, 21, 20, Rounding::Up);
    int128 net_down = down;
    int128 net_up = up;
    if (for_schedule) {
      // The other side moves T away from zero by at least 0.9 T per unit move of the price: of
      // (1 + eps_i)(1 + eps_p) = 1 + eps_i + eps_p (1 + eps_i), the index's eps_i is charged to
      // the index and |eps_i| <= 1/10. T rounded down.
      const int128 gain = mul_div(ratio_down(usd_down(q.raw(), ac), std::max<int64_t>(coef, 0)), 9,
                                  10, Rounding::Down);
      if (fall_hurts) {
        net_up = -gain;
      } else {
        net_down = -gain;
      }
    }
    add_rates(b, l.price(tb.asset), down, up, net_down, net_up);
    add_rates(b, deposit ? l.supply_index(tb.asset) : l.borrow_index(tb.asset), down, up, down, up);
    s = checked_add(s, unit_usd(ac) + 3, "band slack");
  }
  // Perp groups, per quote asset Q: V = P_Q * X, X = W(pnl) - MM. W (the PnL weighting) is
  // non-decreasing with slope at most w' = max(upnl weight, 1); MM is non-decreasing and
  // continuous in each notional n_m, slope at most r_m (the market's highest maintenance rate).
  // A relative mark move eps_m moves pnl by size_m / |size_m| * n_m * eps_m and n_m by n_m eps_m:
  //   X falls by at most  sum_m n_m (w' max(0, -sgn_m eps_m) + r_m max(0, eps_m)),
  //   X rises by at most  sum_m n_m (w' max(0, sgn_m eps_m) + r_m max(0, -eps_m)).
  // So a long's mark moves X toward zero at w' n on its adverse side and r n on the other, a
  // short's at (w' + r) n and 0. With the quote price moving by eta as well,
  //   dV = P_Q dX + eta P_Q (X + dX),
  // and |eta P_Q (X + dX)| <= P_Q |eta| (|X| + 0.1 N), N = w' sum n (1 + r) >= sum n (w' + r):
  // that term is charged to the quote's price, both ways, with
  //   |X| <= w' sum (n (1 + r) + |quote| + |size * dfund|).
  const int64_t w = static_cast<int64_t>(at_least_one(c.upnl_weight_maint.raw()));
  boost::container::small_vector<std::pair<AssetId, int128>, 2> groups;  // quote -> |X| + 0.1 N
  for (const PerpPosition& p : a.positions) {
    if (p.size.raw() == 0 && p.quote.raw() == 0) continue;
    const MarketCache& m = c.markets[p.market];
    const AssetCache& qc = c.assets[m.quote];
    const int128 size = abs128(p.size.raw());
    const int64_t r = max_maint_rate(m);
    const int128 n = mul_div(size, abs128(m.mark_num), c.pow_k, Rounding::Up);  // quote quanta
    // The exposure |X| + 0.1 N only gives the quote price its rate: not needed when it is pinned.
    int128 x = 0;
    if (!is_pinned(pinned, l, l.price(m.quote))) {
      const int128 n_r = ratio_up(n, kRatioOne + r);
      const int128 dfund = static_cast<int128>(m.funding_index.raw()) - p.funding_snapshot.raw();
      const int128 f =
          dfund == 0 ? 0 : mul_mul_div(size, abs128(dfund), m.scale, c.pow_k, Rounding::Up);
      x = checked_add(
          checked_add(mul_div(n_r, 11, 10, Rounding::Up), abs128(p.quote.raw()), "band exposure"),
          f, "band exposure");
    }
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == m.quote; });
    if (it == groups.end()) {
      groups.emplace_back(m.quote, x);
    } else {
      it->second = checked_add(it->second, x, "band exposure");
    }
    const int128 pnl_rate = usd_up(ratio_up(n, w), qc);  // w' n, in USD
    const int128 mm_rate = usd_up(ratio_up(n, r), qc);   // r n
    const bool is_long = p.size.raw() > 0;
    // Signed rates: W's slope is at least w_lo = min(upnl weight, 1) and MM's at least r_min (the
    // lowest tier rate), so on its adverse side a long's excess also sheds r_min n of margin, and
    // on the other side a long gains at least (w_lo - r) n and a short (w_lo + r_min) n. The
    // notional is rounded down for what is subtracted.
    const int128 n_lo =
        for_schedule ? mul_div(size, abs128(m.mark_num), c.pow_k, Rounding::Down) : 0;
    const int64_t w_lo = std::clamp<int64_t>(c.upnl_weight_maint.raw(), 0, kRatioOne);
    const int64_t r_min = for_schedule ? min_maint_rate(m) : 0;
    // A long's PnL grows with the mark: adverse side w' n, other side r n. A short's falls:
    // adverse side (w' + r) n, other side 0.
    if (is_long) {
      add_directed(b, l.mark(p.market), true, safe, pnl_rate, mm_rate,
                   for_schedule ? pnl_rate - usd_down(ratio_down(n_lo, r_min), qc) : pnl_rate,
                   for_schedule ? mm_rate - usd_down(ratio_down(n_lo, w_lo), qc) : mm_rate);
    } else {
      const int128 adverse = checked_add(pnl_rate, mm_rate, "band sensitivity");
      add_directed(b, l.mark(p.market), false, safe, adverse, 0, adverse,
                   for_schedule ? -usd_down(ratio_down(n_lo, w_lo + r_min), qc) : 0);
    }
  }
  for (const auto& [quote, x] : groups) {
    const AssetCache& qc = c.assets[quote];
    if (!is_pinned(pinned, l, l.price(quote))) {
      const int128 rate = ratio_up(usd_up(x, qc), w);
      add_rates(b, l.price(quote), rate, rate, rate, rate);
      b.narrow = true;  // the cross term above assumes mark moves of at most 1/10
    }
    s = checked_add(s, 2 * unit_usd(qc) + 6, "band slack");
  }
  std::sort(b.drivers.begin(), b.drivers.end(),
            [](const Driver& x, const Driver& y) { return x.source < y.source; });
  b.slack = s;
  b.room = abs128(b.excess.raw()) - 2 * s - 1;

  // Share out the room. Normally the index allowance is set aside (the monitor's epochs enforce
  // it) and the price sources share the rest. When the allowance would take more than half of the
  // room the account is fragile: its indexes get edges like prices and everything shares the room.
  int128 index_budget = 0;
  bool has_index = false;
  // floor(v0 * budget / rate), capped at v0 / 10 (the whole cap for a rate of 0).
  auto limit = [](int64_t v0, int128 budget, int128 rate, int64_t cap) {
    if (rate == 0) return cap;
    return static_cast<int64_t>(std::min<int128>(mul_div(v0, budget, rate, Rounding::Down), cap));
  };
  for (Driver& d : b.drivers) {
    d.sensitivity = std::max(d.down, d.up);
    d.value = source_value(c, l, d.source);
    if (b.room > 0 && d.value > 0) {
      const int64_t cap = band_cap(d.value);
      d.solo_down = limit(d.value, b.room, d.down, cap);
      d.solo_up = limit(d.value, b.room, d.up, cap);
    }
    if (l.is_index(d.source)) {
      has_index = true;
      b.index_sensitivity = checked_add(b.index_sensitivity, d.sensitivity, "band sensitivity");
      index_budget =
          checked_add(index_budget, ratio_up(d.sensitivity, kIndexAllowance), "band budget");
    }
  }
  b.fragile = has_index && 2 * index_budget > b.room;
  b.rest = b.fragile ? b.room : b.room - index_budget;
  if (!for_schedule) share_room(b, l, log2_vol, pinned);
  return b;
}

void share_room(Band& b, const SourceLayout& l, std::span<const uint8_t> log2_vol,
                std::span<const uint8_t> pinned) {
  const int128 rest = b.rest;
  if (rest <= 0) return;
  // floor(v0 * budget / rate), capped at v0 / 10 (the whole cap for a rate of 0).
  auto limit = [](int64_t v0, int128 budget, int128 rate, int64_t cap) {
    if (rate == 0) return cap;
    return static_cast<int64_t>(std::min<int128>(mul_div(v0, budget, rate, Rounding::Down), cap));
  };
  // A pinned source takes no room: the monitor re-evaluates everyone if it moves.
  auto shares = [&](const Driver& d) {
    return d.value > 0 && (b.fragile || !l.is_index(d.source)) && !is_pinned(pinned, l, d.source);
  };
  // The sharing sources split `rest` by weight. Any weights are sound (the budgets sum to at most
  // rest, and on either side of v0 a width spends at most its source's budget); they only decide
  // which edge is reached first. Minimising the edges crossed per unit of time, sum sigma_s / rho_s
  // subject to sum C_s rho_s = rest, gives rho_s ~ (sigma_s / C_s)^(1/2), i.e. budget_s ~
  // sqrt(sigma_s C_s) (Lagrange), with C_s the larger of the rates and sigma_s the source's
  // volatility (log2_vol; kDefaultLog2Volatility for every source unless the caller knows better).
  auto weight = [&](const Driver& d) {
    return budget_weight(d.sensitivity,
                         d.source < log2_vol.size() ? log2_vol[d.source] : kDefaultLog2Volatility);
  };
  int128 total_weight = 0;
  for (const Driver& d : b.drivers) {
    if (shares(d)) total_weight += weight(d);
  }
  if (total_weight == 0) return;  // nothing shares the room (every source pinned)
  for (Driver& d : b.drivers) {
    if (!shares(d)) continue;
    const int64_t cap = band_cap(d.value);
    // width = v0 * budget_s / rate, budget_s = rest * weight_s / total_weight.
    const int128 budget = mul_div(rest, weight(d), total_weight, Rounding::Down);
    d.width_down = limit(d.value, budget, d.down, cap);
    d.width_up = limit(d.value, budget, d.up, cap);
  }
}

}  // namespace backstop
