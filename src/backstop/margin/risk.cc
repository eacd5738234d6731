#include "backstop/margin/risk.h"

#include <boost/container/small_vector.hpp>

#include "backstop/money/wide.h"

namespace backstop {
namespace {

// Arithmetic policy for the perp accumulators: int128 with overflow checks (fast path), or 256-bit
// (slow path, taken only when the fast path overflows).
struct Fast {
  using N = int128;
  static N of(int128 v) { return v; }
  static N add(N a, N b) { return checked_add(a, b, "perp accumulator"); }
  static N sub(N a, N b) { return checked_sub(a, b, "perp accumulator"); }
  static N mul(N a, N b) {
    // one 64x64 -> 128 multiply when both factors fit 64 bits (it cannot overflow)
    if (a == static_cast<int64_t>(a) && b == static_cast<int64_t>(b)) {
      return static_cast<int128>(static_cast<int64_t>(a)) * static_cast<int64_t>(b);
    }
    return checked_mul(a, b, "perp accumulator");
  }
  static int128 div(N a, int128 d, Rounding r) { return div_round(a, d, r); }
};

// Plain int128 arithmetic, used only when safe_bounds() has proved that no product or sum of the
// account's perp terms can exceed int128 (every term <= 2^91 in magnitude, <= 64 positions).
struct Unchecked {
  using N = int128;
  static N of(int128 v) { return v; }
  static N add(N a, N b) { return a + b; }
  static N sub(N a, N b) { return a - b; }
  static N mul(N a, N b) { return a * b; }
  static int128 div(N a, int128 d, Rounding r) { return div_round(a, d, r); }
};

struct Wide {
  using N = Int256;
  static N of(int128 v) { return to256(v); }
  static N add(const N& a, const N& b) { return a + b; }
  static N sub(const N& a, const N& b) { return a - b; }
  static N mul(const N& a, const N& b) { return a * b; }
  static int128 div(const N& a, int128 d, Rounding r) {
    const N dd = to256(d);
    N q = a / dd;
    const N rem = a - q * dd;
    if (rem != 0) {
      const bool negative = (a < 0) != (dd < 0);
      if (r == Rounding::Down && negative) q -= 1;
      if (r == Rounding::Up && !negative) q += 1;
    }
    return from256(q);
  }
};

// What to compute: everything (compute_risk), only the maintenance side (maint_excess, the
// monitor's and solver's hot path), or only collateral and debt (account_equity).
enum class Scope : uint8_t { Full, MaintOnly, EquityOnly };

template <class A>
struct PerpGroup {
  AssetId quote = 0;
  typename A::N pnl{};       // quote quanta * 10^K
  typename A::N notional{};  // quote quanta * 10^K
  typename A::N mm{};        // quote quanta * 10^(K+9)
  typename A::N im{};
};

struct Totals {
  Value coll{};
  Value wc_i{};
  Value wc_m{};
  Value debt{};
  Value req_i{};
  Value req_m{};
  Value notional{};
  Value pnl{};
  bool usable = true;
};

// q * price / value_den; the identity for an asset at par (price == value_den, e.g. a 6-decimal
// stablecoin at exactly $1), which skips a division on every perp account.
int64_t usd_of(int128 q, const AssetCache& ac, Rounding r, const char* what) {
  if (static_cast<int128>(ac.price.raw()) == ac.value_den) return narrow64(q, what);
  return narrow64(mul_div(q, ac.price.raw(), ac.value_den, r), what);
}

template <Scope S>
void add_balances(const MarginCache& c, const MarginAccount& a, Totals& t) {
  for (const TokenBalance& b : a.balances) {
    if (b.scaled == 0) continue;
    const AssetCache& ac = c.assets[b.asset];
    t.usable = t.usable && ac.price_usable;
    if (b.scaled > 0) {
      const Quantity q = supplied_amount(b.scaled, ac.supply_index);
      const Value v = Value::from_raw(usd_of(q.raw(), ac, Rounding::Down, "collateral"));
      if constexpr (S != Scope::EquityOnly)
        t.wc_m += apply_ratio(v, ac.weight_maint, Rounding::Down);
      if constexpr (S != Scope::MaintOnly) t.coll += v;
      if constexpr (S == Scope::Full) t.wc_i += apply_ratio(v, ac.weight_initial, Rounding::Down);
    } else {
      const Quantity q = borrowed_amount(b.scaled, ac.borrow_index);
      const Value v = Value::from_raw(usd_of(q.raw(), ac, Rounding::Up, "debt"));
      if constexpr (S != Scope::EquityOnly) {
        t.req_m += apply_ratio(v, ac.borrow_weight_maint, Rounding::Up);
      }
      if constexpr (S != Scope::MaintOnly) t.debt += v;
      if constexpr (S == Scope::Full)
        t.req_i += apply_ratio(v, ac.borrow_weight_initial, Rounding::Up);
    }
  }
}

template <class A, Scope S>
void add_positions(const MarginCache& c, const MarginAccount& a, Totals& t) {
  boost::container::small_vector<PerpGroup<A>, 2> groups;
  for (const PerpPosition& p : a.positions) {
    const MarketCache& m = c.markets[p.market];
    t.usable = t.usable && m.price_usable;
    PerpGroup<A>* g = nullptr;
    for (auto& x : groups) {
      if (x.quote == m.quote) g = &x;
    }
    if (g == nullptr) g = &groups.emplace_back(PerpGroup<A>{m.quote, {}, {}, {}, {}});
    const auto size = A::of(p.size.raw());
    const auto value = A::mul(size, A::of(m.mark_num));  // size * mark * scale
    g->pnl = A::add(A::add(g->pnl, value), A::mul(A::of(p.quote.raw()), A::of(c.pow_k)));
    const int64_t dfund = checked_sub(m.funding_index.raw(), p.funding_snapshot.raw(), "funding");
    if (dfund != 0) g->pnl = A::sub(g->pnl, A::mul(A::mul(size, A::of(dfund)), A::of(m.scale)));
    const auto n = value < 0 ? A::sub(A::of(0), value) : value;
    if constexpr (S == Scope::Full) g->notional = A::add(g->notional, n);
    if (S == Scope::EquityOnly || m.tiers.empty()) continue;
    std::size_t ti = 0;
    for (std::size_t i = 1; i < m.tiers.size(); ++i) {
      if (n >= A::of(m.tiers[i].floor_num)) ti = i;
    }
    const TierCache& tc = m.tiers[ti];
    const auto ded_m = tc.deductions_fit ? A::of(tc.maint_deduction_num)
                                         : A::mul(A::of(tc.maint_deduction9), A::of(c.pow_k));
    g->mm = A::add(g->mm, A::sub(A::mul(n, A::of(tc.maint_rate)), ded_m));
    if constexpr (S == Scope::Full) {
      const auto ded_i = tc.deductions_fit ? A::of(tc.initial_deduction_num)
                                           : A::mul(A::of(tc.initial_deduction9), A::of(c.pow_k));
      g->im = A::add(g->im, A::sub(A::mul(n, A::of(tc.initial_rate)), ded_i));
    }
  }
  // Margin numerators carry 10^(K+9) = 10^9 * 10^K: dividing in two steps keeps each divisor
  // below 2^64 (floor(floor(x / a) / b) == floor(x / ab), likewise for ceil).
  auto margin_quote = [&](const typename A::N& num) {
    // 10^K first: the intermediate quotient (quote quanta * 10^9) then still fits 64 bits and both
    // steps stay on the hardware-divide path.
    return div_round(A::div(num, c.pow_k, Rounding::Up), kRatioOne, Rounding::Up);
  };
  for (const auto& g : groups) {
    const AssetCache& q = c.assets[g.quote];
    t.pnl +=
        Value::from_raw(usd_of(A::div(g.pnl, c.pow_k, Rounding::Down), q, Rounding::Down, "pnl"));
    if constexpr (S != Scope::EquityOnly) {
      t.req_m += Value::from_raw(usd_of(margin_quote(g.mm), q, Rounding::Up, "margin"));
    }
    if constexpr (S == Scope::Full) {
      t.notional += Value::from_raw(
          usd_of(A::div(g.notional, c.pow_k, Rounding::Up), q, Rounding::Up, "notional"));
      t.req_i += Value::from_raw(usd_of(margin_quote(g.im), q, Rounding::Up, "margin"));
    }
  }
}

bool safe_bounds(const MarginCache& c, const MarginAccount& a) {
  if (a.positions.size() > kSafePositions) return false;
  for (const PerpPosition& p : a.positions) {
    const MarketCache& m = c.markets[p.market];
    const int64_t size = p.size.raw();
    const int64_t quote = p.quote.raw();
    int64_t dfund = 0;
    if (__builtin_sub_overflow(m.funding_index.raw(), p.funding_snapshot.raw(), &dfund) ||
        dfund > kSafeFunding || dfund < -kSafeFunding || size > m.safe_size ||
        size < -m.safe_size || quote > c.safe_quote || quote < -c.safe_quote) {
      return false;
    }
  }
  return true;
}

template <Scope S>
Totals totals(const MarginCache& c, const MarginAccount& a) {
  Totals t;
  add_balances<S>(c, a, t);
  if (!a.positions.empty()) {
    Totals perp;
    if (safe_bounds(c, a)) {
      add_positions<Unchecked, S>(c, a, perp);
    } else {
      try {
        add_positions<Fast, S>(c, a, perp);
      } catch (const OverflowError&) {
        perp = Totals{};
        add_positions<Wide, S>(c, a, perp);
      }
    }
    t.usable = t.usable && perp.usable;
    t.notional = perp.notional;
    t.pnl = perp.pnl;
    t.req_i += perp.req_i;
    t.req_m += perp.req_m;
    // Net PnL across the account: a gain is collateral (weighted), a loss is debt counted in full.
    if (t.pnl.is_positive()) {
      t.coll += t.pnl;
      t.wc_i += apply_ratio(t.pnl, c.upnl_weight_initial, Rounding::Down);
      t.wc_m += apply_ratio(t.pnl, c.upnl_weight_maint, Rounding::Down);
    } else if (t.pnl.is_negative()) {
      t.debt -= t.pnl;
      t.req_i -= t.pnl;
      t.req_m -= t.pnl;
    }
  }
  return t;
}

// num / den as a Ratio; none when den <= 0. A ratio beyond the type's range (dust debt against a
// large deposit gives a health factor above 9.2e9) saturates at Ratio's maximum instead of
// failing the whole valuation: the saturated value is still a correct lower bound of a safety
// ratio and says "beyond 9.2e9" for a risk ratio.
std::optional<Ratio> ratio_if(Value num, Value den, Rounding r) {
  if (den.raw() <= 0) return std::nullopt;
  const int128 q = mul_div(num.raw(), kRatioOne, den.raw(), r);
  if (q > INT64_MAX) return Ratio::from_raw(INT64_MAX);
  if (q < INT64_MIN) return Ratio::from_raw(INT64_MIN);
  return Ratio::from_raw(static_cast<int64_t>(q));
}

}  // namespace

Value maint_excess(const MarginCache& c, const MarginAccount& a) {
  const Totals t = totals<Scope::MaintOnly>(c, a);
  return t.wc_m - t.req_m;
}

bool liquidatable(const MarginCache& c, const MarginAccount& a) {
  const Totals t = totals<Scope::MaintOnly>(c, a);
  return t.usable && t.wc_m < t.req_m;
}

CollateralAndDebt collateral_and_debt(const MarginCache& c, const MarginAccount& a) {
  const Totals t = totals<Scope::EquityOnly>(c, a);
  return {t.coll, t.debt};
}

Value account_equity(const MarginCache& c, const MarginAccount& a) {
  const Totals t = totals<Scope::EquityOnly>(c, a);
  return t.coll - t.debt;
}

AccountRisk compute_risk(const MarginCache& c, const MarginAccount& a) {
  const Totals t = totals<Scope::Full>(c, a);
  AccountRisk r;
  r.collateral_value = t.coll;
  r.weighted_collateral_initial = t.wc_i;
  r.weighted_collateral_maint = t.wc_m;
  r.total_debt = t.debt;
  r.equity = t.coll - t.debt;
  r.initial_requirement = t.req_i;
  r.maint_requirement = t.req_m;
  r.free_collateral = t.wc_i - t.req_i;
  r.excess_maint = t.wc_m - t.req_m;
  r.initial_margin = r.equity - r.free_collateral;
  r.maintenance_margin = r.equity - r.excess_maint;
  r.perp_notional = t.notional;
  r.unrealized_pnl = t.pnl;
  r.health_factor = ratio_if(t.wc_m, t.req_m, Rounding::Down);
  r.margin_ratio = ratio_if(r.maintenance_margin, r.equity, Rounding::Up);
  r.debt_coverage = ratio_if(t.wc_m, t.debt, Rounding::Down);
  r.collateral_to_debt = ratio_if(t.coll, t.debt, Rounding::Down);
  r.debt_to_equity = ratio_if(t.debt, r.equity, Rounding::Up);
  r.prices_usable = t.usable;
  r.initial_ok = t.wc_i >= t.req_i;
  r.liquidatable = t.usable && t.wc_m < t.req_m;
  return r;
}

}  // namespace backstop
