#include "backstop/margin/cache.h"

#include <algorithm>

namespace backstop {
namespace {

bool fresh(Price p, Timestamp t, const std::optional<int64_t>& max_age, Timestamp now) {
  if (p.raw() <= 0) return false;
  return !max_age || now - t <= *max_age;
}

int market_exponent(const State& s, const PerpParams& p) {
  return p.base_decimals + kPriceDecimals - s.asset_params.at(p.quote).decimals;
}

}  // namespace

void override_asset_price(MarginCache& c, AssetId a, Price p) {
  c.assets.at(a).price = p;
  c.assets.at(a).price_usable = p.raw() > 0;
}

void set_safe_size(const MarginCache& c, MarketCache& m) {
  (void)c;
  const int128 limit = int128{1} << kSafeBits;
  bool deductions_fit = true;
  for (const TierCache& t : m.tiers) deductions_fit = deductions_fit && t.deductions_fit;
  if (!deductions_fit || m.scale > (limit >> 40)) {  // |dfund| <= 2^40: size * dfund * scale
    m.safe_size = 0;
    return;
  }
  int128 by_mark = m.mark_num > 0 ? limit / m.mark_num : INT64_MAX;
  const int128 by_funding = (limit >> 40) / m.scale;
  by_mark = std::min(by_mark, by_funding);
  m.safe_size = static_cast<int64_t>(std::min<int128>(by_mark, INT64_MAX));
}

void override_mark_price(MarginCache& c, MarketId m, Price p) {
  MarketCache& mc = c.markets.at(m);
  mc.mark = p;
  mc.mark_num = checked_mul(static_cast<int128>(p.raw()), mc.scale, "mark numerator");
  mc.price_usable = p.raw() > 0;
  set_safe_size(c, mc);
}

MarginCache build_margin_cache(const State& s) {
  MarginCache c;
  rebuild_margin_cache(s, c);
  return c;
}

void rebuild_margin_cache(const State& s, MarginCache& c) {
  // Every field is assigned; the vectors (and each market's tiers) keep their memory.
  c.k = 0;
  c.upnl_weight_initial = s.params.upnl_weight_initial;
  c.upnl_weight_maint = s.params.upnl_weight_maint;
  c.assets.resize(s.assets.size());
  for (std::size_t i = 0; i < s.assets.size(); ++i) {
    const AssetParams& p = s.asset_params[i];
    const AssetState& st = s.assets[i];
    AssetCache a;
    a.decimals = p.decimals;
    a.price = st.price;
    a.supply_index = st.supply_index;
    a.borrow_index = st.borrow_index;
    a.weight_initial = p.weight_initial;
    a.weight_maint = p.weight_maint;
    a.borrow_weight_initial = p.borrow_weight_initial;
    a.borrow_weight_maint = p.borrow_weight_maint;
    a.value_den = pow10_128(p.decimals + kPriceDecimals - kValueDecimals);
    a.price_usable = fresh(st.price, st.price_time, p.max_price_age_s, s.now);
    c.assets[i] = a;
  }
  for (const PerpParams& p : s.perp_params) c.k = std::max(c.k, market_exponent(s, p));
  c.pow_k = pow10_128(c.k);
  c.pow_k9 = pow10_128(c.k + kRatioDecimals);
  c.safe_quote =
      static_cast<int64_t>(std::min<int128>((int128{1} << kSafeBits) / c.pow_k, INT64_MAX));
  c.markets.resize(s.perps.size());
  for (std::size_t i = 0; i < s.perps.size(); ++i) {
    const PerpParams& p = s.perp_params[i];
    const PerpState& st = s.perps[i];
    MarketCache& m = c.markets[i];
    std::vector<TierCache> tiers = std::move(m.tiers);
    tiers.clear();
    m = MarketCache{};
    m.tiers = std::move(tiers);
    m.quote = p.quote;
    m.scale = pow10_128(c.k - market_exponent(s, p));
    m.mark = st.mark;
    m.mark_num = checked_mul(static_cast<int128>(st.mark.raw()), m.scale, "mark numerator");
    m.funding_index = st.funding_index;
    m.price_usable = fresh(st.mark, st.price_time, p.max_price_age_s, s.now) &&
                     c.assets.at(p.quote).price_usable;
    // Continuous brackets: deduction(n) = deduction(n-1) + floor(n) * (rate(n) - rate(n-1)),
    // exact at scale 10^9 (quote quanta * rate); the 10^(K+9) numerator is precomputed when it
    // fits int128, otherwise valuation multiplies by 10^K on its overflow-checked path.
    int128 ded_i = 0;
    int128 ded_m = 0;
    for (std::size_t t = 0; t < p.tiers.size(); ++t) {
      const MarginTier& mt = p.tiers[t];
      TierCache tc;
      int128 floor_num{};
      tc.floor_num = __builtin_mul_overflow(static_cast<int128>(mt.notional_floor.raw()), c.pow_k,
                                            &floor_num)
                         ? kInt128Max  // beyond any notional the int128 path can hold
                         : floor_num;
      tc.initial_rate = mt.initial_rate.raw();
      tc.maint_rate = mt.maint_rate.raw();
      if (t > 0) {
        const MarginTier& prev = p.tiers[t - 1];
        const int128 floor_raw = mt.notional_floor.raw();
        ded_i = checked_add(ded_i, floor_raw * (mt.initial_rate.raw() - prev.initial_rate.raw()),
                            "tier deduction");
        ded_m = checked_add(ded_m, floor_raw * (mt.maint_rate.raw() - prev.maint_rate.raw()),
                            "tier deduction");
      }
      tc.initial_deduction9 = ded_i;
      tc.maint_deduction9 = ded_m;
      tc.deductions_fit = !__builtin_mul_overflow(ded_i, c.pow_k, &tc.initial_deduction_num) &&
                          !__builtin_mul_overflow(ded_m, c.pow_k, &tc.maint_deduction_num);
      m.tiers.push_back(tc);
    }
    set_safe_size(c, m);
  }
}

}  // namespace backstop
