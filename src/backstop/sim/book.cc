#include "backstop/sim/book.h"

#include <fmt/format.h>

#include <cmath>

#include "backstop/money/int128.h"
#include "backstop/money/rounding.h"

namespace backstop::sim {

double Distribution::draw(PathRng& rng) const {
  double v = a;
  switch (kind) {
    case Kind::Fixed:
      break;
    case Kind::Uniform:
      v = a + (b - a) * (1.0 - rng.uniform());  // uniform() is (0, 1]: v in [a, b)
      break;
    case Kind::LogNormal:
      v = a * std::exp(b * rng.normal());
      break;
  }
  return std::clamp(v, lo, hi);
}

namespace {

std::string account_name(const std::string& prefix, int64_t n) {
  return fmt::format("{}-{:06d}", prefix, n);
}

void credit(State& s, AccountId id, AssetId a, Quantity q) {
  AssetState& st = s.assets.at(a);
  TokenBalance& b = s.accounts.at(id).balance_mut(a);
  const Quantity now = signed_amount(b.scaled, st.supply_index, st.borrow_index);
  const int64_t next = signed_scaled(Quantity::from_raw(checked_add(now.raw(), q.raw())),
                                     st.supply_index, st.borrow_index);
  // Keep the totals of positive / negative scaled balances exact.
  if (b.scaled > 0) st.total_supply_scaled -= b.scaled;
  if (b.scaled < 0) st.total_borrow_scaled += b.scaled;
  b.scaled = next;
  if (next > 0) st.total_supply_scaled = checked_add(st.total_supply_scaled, next);
  if (next < 0) st.total_borrow_scaled = checked_add(st.total_borrow_scaled, -next);
}

}  // namespace

Value usd_from_model(double usd) {
  if (!(usd >= 0)) return Value{};
  const double raw = std::round(usd * 1e6);
  if (raw >= 9.2e18) throw OverflowError("generated USD size out of range");
  return Value::from_raw(static_cast<int64_t>(raw));
}

GeneratedBook add_populations(State& s, const std::vector<Population>& pops, uint64_t seed) {
  GeneratedBook out;
  for (std::size_t p = 0; p < pops.size(); ++p) {
    const Population& pop = pops[p];
    auto fail = [&](const std::string& why) {
      throw std::invalid_argument(
          fmt::format("{}: population '{}': {}", pop.origin, pop.prefix, why));
    };
    auto new_account = [&](const std::string& name) -> AccountId {
      if (s.find_owner(name)) fail(fmt::format("account '{}' already exists", name));
      const OwnerId o = s.add_owner(name);
      return s.owners[o].accounts[0];
    };
    Value pop_debt{};
    Value pop_notional{};
    for (int64_t i = 0; i < pop.count; ++i) {
      PathRng rng(path_seed(seed ^ kPopulationSalt,
                            (static_cast<uint64_t>(p) << 40) | static_cast<uint64_t>(i)));
      const AccountId id = new_account(account_name(pop.prefix, i + 1));
      ++out.accounts;
      if (pop.kind == Population::Kind::Lending) {
        const AssetParams& cp = s.asset_params.at(pop.collateral);
        const AssetParams& dp = s.asset_params.at(pop.debt);
        const Price pc = s.assets.at(pop.collateral).price;
        const Price pd = s.assets.at(pop.debt).price;
        if (!pc.is_positive() || !pd.is_positive()) fail("the assets need positive prices");
        const double coll_usd = pop.collateral_usd.draw(rng) * pop.scale;
        const double health = pop.health.draw(rng);
        // health = coll * weight_maint / (debt * borrow_weight_maint)
        const double wm = static_cast<double>(cp.weight_maint.raw()) / 1e9;
        const double bw = static_cast<double>(dp.borrow_weight_maint.raw()) / 1e9;
        const Quantity cq = quantity_of(usd_from_model(coll_usd), cp.decimals, pc, Rounding::Down);
        const Quantity dq = quantity_of(usd_from_model(coll_usd * wm / (health * bw)), dp.decimals,
                                        pd, Rounding::Down);
        if (cq.is_positive()) credit(s, id, pop.collateral, cq);
        if (dq.is_positive()) credit(s, id, pop.debt, Quantity::from_raw(-dq.raw()));
        out.collateral = Value::from_raw(
            checked_add(out.collateral.raw(), value_of(cq, cp.decimals, pc, Rounding::Down).raw()));
        const Value dv = value_of(dq, dp.decimals, pd, Rounding::Up);
        pop_debt = Value::from_raw(checked_add(pop_debt.raw(), dv.raw()));
      } else {
        const PerpParams& mp = s.perp_params.at(pop.market);
        PerpState& ms = s.perps.at(pop.market);
        const AssetParams& qp = s.asset_params.at(mp.quote);
        const Price pq = s.assets.at(mp.quote).price;
        if (!ms.mark.is_positive() || !pq.is_positive()) fail("the market needs a positive mark");
        const double notional = pop.notional_usd.draw(rng) * pop.scale;
        const double leverage = pop.leverage.draw(rng);
        const bool is_long = rng.uniform() <= pop.long_share;
        const Quantity margin =
            quantity_of(usd_from_model(notional / leverage), qp.decimals, pq, Rounding::Down);
        // size = notional in quote units / mark, in base quanta (down): the model boundary.
        const double quote_units = notional * 1e9 / static_cast<double>(pq.raw());
        const double base = std::floor(quote_units * 1e9 / static_cast<double>(ms.mark.raw()) *
                                       std::pow(10.0, mp.base_decimals));
        if (!(base >= 1) || base >= 9e18) continue;  // too small to hold a position
        const auto size = static_cast<int64_t>(base);
        if (margin.is_positive()) credit(s, id, mp.quote, margin);
        PerpPosition& pos = s.accounts[id].position_mut(pop.market);
        pos.funding_snapshot = ms.funding_index;
        if (is_long) {
          pos.size = Quantity::from_raw(size);
          pos.quote = Quantity::from_raw(
              -to_quote(size, ms.mark.raw(), mp.base_decimals, qp.decimals, Rounding::Up).raw());
          ms.long_oi = Quantity::from_raw(checked_add(ms.long_oi.raw(), size));
        } else {
          pos.size = Quantity::from_raw(-size);
          pos.quote = to_quote(size, ms.mark.raw(), mp.base_decimals, qp.decimals, Rounding::Down);
          ms.short_oi = Quantity::from_raw(checked_add(ms.short_oi.raw(), size));
        }
        out.collateral = Value::from_raw(checked_add(
            out.collateral.raw(), value_of(margin, qp.decimals, pq, Rounding::Down).raw()));
        const Value nv =
            value_of(to_quote(size, ms.mark.raw(), mp.base_decimals, qp.decimals, Rounding::Up),
                     qp.decimals, pq, Rounding::Up);
        out.notional = Value::from_raw(checked_add(out.notional.raw(), nv.raw()));
        pop_notional = Value::from_raw(checked_add(pop_notional.raw(), nv.raw()));
      }
    }
    out.population_total.push_back(pop.kind == Population::Kind::Lending ? pop_debt : pop_notional);
    if (pop.kind == Population::Kind::Lending && pop.count > 0) {
      out.debt = Value::from_raw(checked_add(out.debt.raw(), pop_debt.raw()));
      // The supplier: deposits total debt / utilization of the debt asset.
      const AssetParams& dp = s.asset_params.at(pop.debt);
      const Price pd = s.assets.at(pop.debt).price;
      const Value supply = Value::from_raw(narrow64(
          mul_div(pop_debt.raw(), kRatioOne, pop.utilization.raw(), Rounding::Up), "supply"));
      const AccountId id = new_account(pop.prefix + "-supplier");
      ++out.accounts;
      credit(s, id, pop.debt, quantity_of(supply, dp.decimals, pd, Rounding::Down));
    }
  }
  return out;
}

}  // namespace backstop::sim
