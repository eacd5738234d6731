#include "backstop/monitor/band.h"

#include <algorithm>
#include <bit>

#include "backstop/margin/risk.h"

namespace backstop {
namespace {

int128 at_least_one(int64_t r) {
  return std::max<int64_t>(r, kRatioOne);
}
int128 abs128(int128 v) {
  return v < 0 ? -v : v;
}

// Micro-dollars of `q` native quanta at the asset's price, rounded up (0 for a non-positive price).
int128 usd_up(int128 q, const AssetCache& ac) {
  if (ac.price.raw() <= 0) return 0;
  return mul_div(q, ac.price.raw(), ac.value_den, Rounding::Up);
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

// x * num / den, rounded up.
int128 scale_up(int128 x, int64_t num, int64_t den) {
  return mul_div(x, num, den, Rounding::Up);
}

// Budget weight of a source with sensitivity c: ~sqrt(c) (a power of two within a factor 2 of it,
// from the bit length of c); 1 for c = 0.
int128 budget_weight(int128 c) {
  if (c <= 0) return 1;
  const auto u = static_cast<uint128>(c);
  const auto hi = static_cast<uint64_t>(u >> 64);
  const int bits =
      hi != 0 ? 128 - std::countl_zero(hi) : 64 - std::countl_zero(static_cast<uint64_t>(u));
  return int128{1} << (bits / 2);
}

void add_sensitivity(Band& b, SourceId s, int128 c) {
  for (Driver& d : b.drivers) {
    if (d.source == s) {
      d.sensitivity = checked_add(d.sensitivity, c, "band sensitivity");
      return;
    }
  }
  b.drivers.push_back(Driver{s, c, 0, 0});
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

Band compute_band(const MarginCache& c, const SourceLayout& l, const MarginAccount& a) {
  Band b;
  b.excess = maint_excess(c, a);
  int128 s = 4;
  // Token balances: T = w * amount(scaled, index) * price. With |eps| <= 1/10 for index and price,
  // |dT| <= T (|eps_i| + |eps_p| + |eps_i eps_p|) <= 1.05 T (|eps_i| + |eps_p|).
  for (const TokenBalance& tb : a.balances) {
    if (tb.scaled == 0) continue;
    const AssetCache& ac = c.assets[tb.asset];
    const bool deposit = tb.scaled > 0;
    const Quantity q = deposit ? supplied_amount(tb.scaled, ac.supply_index)
                               : borrowed_amount(tb.scaled, ac.borrow_index);
    const int64_t coef = deposit ? ac.weight_maint.raw() : ac.borrow_weight_maint.raw();
    const int128 t = scale_up(
        scale_up(usd_up(q.raw(), ac), static_cast<int64_t>(at_least_one(coef)), kRatioOne), 21, 20);
    add_sensitivity(b, l.price(tb.asset), t);
    add_sensitivity(b, deposit ? l.supply_index(tb.asset) : l.borrow_index(tb.asset), t);
    s = checked_add(s, unit_usd(ac) + 3, "band slack");
  }
  // Perp groups, per quote asset Q: V = P_Q * X, X = W(pnl) - MM, W the PnL weighting (Lipschitz
  // w' = max(upnl weight, 1)), MM continuous in the notional n with slope <= r_max. With the quote
  // price moving by eta and each mark by eps_m (all <= 1/10):
  //   |dV| <= P_Q |eta| (|X| + 0.1 N) + 1.1 P_Q sum_m w' n_m (1 + r_m) |eps_m|,
  //   |X| <= w' sum (n (1 + r) + |quote| + |size * dfund|),  N = w' sum n (1 + r).
  const int64_t w = static_cast<int64_t>(at_least_one(c.upnl_weight_maint.raw()));
  boost::container::small_vector<std::pair<AssetId, int128>, 2> groups;  // quote -> |X| + 0.1 N
  for (const PerpPosition& p : a.positions) {
    const MarketCache& m = c.markets[p.market];
    const AssetCache& qc = c.assets[m.quote];
    const int128 size = abs128(p.size.raw());
    const int128 n = mul_div(size, abs128(m.mark_num), c.pow_k, Rounding::Up);  // quote quanta
    const int128 n_r = scale_up(n, kRatioOne + max_maint_rate(m), kRatioOne);
    const int128 dfund = static_cast<int128>(m.funding_index.raw()) - p.funding_snapshot.raw();
    const int128 f = mul_mul_div(size, abs128(dfund), m.scale, c.pow_k, Rounding::Up);
    const int128 x =
        checked_add(checked_add(scale_up(n_r, 11, 10), abs128(p.quote.raw()), "band exposure"), f,
                    "band exposure");
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == m.quote; });
    if (it == groups.end()) {
      groups.emplace_back(m.quote, x);
    } else {
      it->second = checked_add(it->second, x, "band exposure");
    }
    add_sensitivity(b, l.mark(p.market), scale_up(scale_up(usd_up(n_r, qc), w, kRatioOne), 11, 10));
  }
  for (const auto& [quote, x] : groups) {
    const AssetCache& qc = c.assets[quote];
    add_sensitivity(b, l.price(quote), scale_up(usd_up(x, qc), w, kRatioOne));
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
  for (Driver& d : b.drivers) {
    d.value = source_value(c, l, d.source);
    if (b.room > 0 && d.value > 0) {
      const int64_t cap =
          static_cast<int64_t>(mul_div(d.value, kMaxBandMove, kRatioOne, Rounding::Down));
      d.solo = d.sensitivity == 0
                   ? cap
                   : static_cast<int64_t>(std::min<int128>(
                         mul_div(d.value, b.room, d.sensitivity, Rounding::Down), cap));
    }
    if (l.is_index(d.source)) {
      has_index = true;
      b.index_sensitivity = checked_add(b.index_sensitivity, d.sensitivity, "band sensitivity");
      index_budget = checked_add(index_budget, scale_up(d.sensitivity, kIndexAllowance, kRatioOne),
                                 "band budget");
    }
  }
  b.fragile = has_index && 2 * index_budget > b.room;
  const int128 rest = b.fragile ? b.room : b.room - index_budget;
  b.rest = rest;
  if (rest <= 0) return b;
  auto shares = [&](const Driver& d) {
    return d.value > 0 && (b.fragile || !l.is_index(d.source));
  };
  // The sharing sources split `rest` by weight. Any weights are sound (the budgets sum to at most
  // rest); they only decide which edge is reached first. For sources of similar volatility sigma,
  // minimising the edges crossed per unit of move, sum sigma / rho_s subject to
  // sum C_s rho_s = rest, gives rho_s ~ C_s^(-1/2), i.e. budget_s ~ sqrt(C_s) (Lagrange).
  int128 total_weight = 0;
  for (const Driver& d : b.drivers) {
    if (shares(d)) total_weight += budget_weight(d.sensitivity);
  }
  for (Driver& d : b.drivers) {
    if (!shares(d)) continue;
    const int64_t cap =
        static_cast<int64_t>(mul_div(d.value, kMaxBandMove, kRatioOne, Rounding::Down));
    if (d.sensitivity == 0) {
      d.width = cap;
      continue;
    }
    // width = v0 * budget_s / C_s, budget_s = rest * weight_s / total_weight.
    const int128 budget = mul_div(rest, budget_weight(d.sensitivity), total_weight, Rounding::Down);
    d.width = static_cast<int64_t>(
        std::min<int128>(mul_div(d.value, budget, d.sensitivity, Rounding::Down), cap));
  }
  return b;
}

}  // namespace backstop
