// Lending liquidation (Aave v3.3 executeLiquidationCall semantics): the liquidator repays part of
// the largest debt and receives the largest collateral plus the bonus; the protocol fee goes to
// the treasury; an account left with no collateral has its remaining debts written off (deficit)
// and the loss goes through the waterfall.
#include <fmt/format.h>

#include "backstop/engine/balance_ops.h"
#include "backstop/liquidation/guard.h"
#include "backstop/resolution/resolver.h"

namespace backstop {

bool Resolver::liquidate_lending(AccountId id, Timestamp t) {
  const State& s = engine_.state();
  const MarginCache& c = engine_.cache();
  const MarginAccount& a = s.accounts.at(id);
  const AccountRisk risk = compute_risk(c, a);
  const LiquidationPair pair = pick_pair(id);
  const std::optional<AssetId> debt = pair.debt;
  const std::optional<AssetId> coll = pair.collateral;
  if (!debt) return false;
  if (!coll) {  // nothing a liquidator could take: the debt is bad debt
    write_off(id, t, std::nullopt);
    return true;
  }
  const AssetParams& dp = s.asset_params[*debt];
  const AssetParams& cp = s.asset_params[*coll];
  const Quantity owed = -signed_amount(*a.balance(*debt), s.assets[*debt]);
  const Quantity held = signed_amount(*a.balance(*coll), s.assets[*coll]);
  const Ratio bonus = ratio_one() + cp.liquidation_bonus;
  auto decline = [&](const std::string& why) {
    ++totals_.declined;
    record(t, "liquidation_declined", id,
           {{"debt_asset", dp.symbol}, {"collateral_asset", cp.symbol}, {"reason", why}});
    return false;
  };
  if (cfg_.toxic_guard &&
      liquidation::is_toxic_liquidation(risk.total_debt, risk.collateral_value, bonus)) {
    ++totals_.declined;
    record(
        t, "toxic_guard", id,
        {{"debt", format(risk.total_debt)},
         {"collateral", format(risk.collateral_value)},
         {"bonus", format(bonus)},
         {"reason", "LTV >= 1 / bonus: a fixed-bonus liquidation would leave the account worse"}});
    return false;
  }
  Quantity cover = owed;
  const auto cap_it = cfg_.liquidator.capital.find(*debt);
  if (cap_it != cfg_.liquidator.capital.end()) cover = std::min(cover, cap_it->second);
  if (!cover.is_positive()) return decline("no liquidator capital in " + dp.symbol);
  liquidation::AaveLiquidationInput in;
  in.debt_balance = owed;
  in.debt_decimals = dp.decimals;
  in.debt_price = s.assets[*debt].price;
  in.collateral_balance = held;
  in.collateral_decimals = cp.decimals;
  in.collateral_price = s.assets[*coll].price;
  in.total_debt = risk.total_debt;
  in.total_collateral = risk.collateral_value;
  in.health_factor = risk.health_factor.value_or(Ratio{});
  in.bonus = bonus;
  in.protocol_fee = cfg_.protocol_fee;
  in.debt_to_cover = cover;
  const auto valid = liquidation::aave_max_valid_liquidation(in, cfg_.close_factor);
  if (!valid || !valid->result.ok() || !valid->result.debt_repaid.is_positive()) {
    return decline(valid ? liquidation::to_string(valid->result.error) : "no valid amount");
  }
  const liquidation::AaveLiquidationResult& res = valid->result;
  // What the liquidator gets for the collateral: through the asset's liquidity model (quoted in
  // micro-dollars) when there is one, else at the oracle.
  const Value cost = usd(*debt, res.debt_repaid, Rounding::Up);
  Value proceeds = usd(*coll, res.collateral_to_liquidator, Rounding::Down);
  std::optional<Fill> sale;
  auto model = cfg_.asset_liquidity.find(*coll);
  if (model != cfg_.asset_liquidity.end()) {
    sale = model->second.sell(res.collateral_to_liquidator);
    proceeds = Value::from_raw(sale->quote.raw());
  }
  if (cfg_.liquidator.require_profit && proceeds < cost) {
    return decline(fmt::format("unprofitable: collateral fetches {} for {} of debt",
                               format(proceeds), format(cost)));
  }
  // One atomic step (resolver.h): the tick budget, balances, treasury, journal, liquidity model,
  // capital, totals and record, or none of them.
  ResolutionStep step(*this, {id});
  if (!budget_.try_record(cost)) return false;  // per-tick cap reached: next tick
  JournalEntry e{0, t, EntryKind::Liquidation, id, {}};
  const Book acct = Book::account(id);
  const Book liq = Book::liquidator(0);
  const Quantity repaid = adjust(id, *debt, res.debt_repaid);
  e.legs.push_back(Leg{liq, acct, *debt, res.debt_repaid});
  dust_legs(e, id, *debt, repaid, res.debt_repaid);
  const Quantity seized = res.collateral_to_liquidator + res.protocol_fee_collateral;
  const Quantity took = adjust(id, *coll, -seized);
  e.legs.push_back(Leg{acct, liq, *coll, res.collateral_to_liquidator});
  if (res.protocol_fee_collateral.is_positive()) {
    e.legs.push_back(Leg{acct, Book::treasury(0), *coll, res.protocol_fee_collateral});
    treasury_[*coll] += res.protocol_fee_collateral;
  }
  dust_legs(e, id, *coll, took, -seized);
  post(std::move(e));
  if (sale) {
    step.save_asset_model(*coll);
    model->second.apply(*sale);
  }
  if (cap_it != cfg_.liquidator.capital.end()) cap_it->second -= res.debt_repaid;
  ++totals_.liquidations;
  totals_.liquidated_value += cost;
  record(t, "liquidation", id,
         {{"policy", "close_factor"},
          {"debt_asset", dp.symbol},
          {"debt_repaid", asset_amount(*debt, res.debt_repaid)},
          {"collateral_asset", cp.symbol},
          {"collateral_to_liquidator", asset_amount(*coll, res.collateral_to_liquidator)},
          {"protocol_fee", asset_amount(*coll, res.protocol_fee_collateral)},
          {"close_factor_cap", asset_amount(*debt, res.max_liquidatable_debt)},
          {"health_factor", format(in.health_factor)},
          {"debt_price", format(in.debt_price)},
          {"collateral_price", format(in.collateral_price)},
          {"repaid_value", format(cost)},
          {"liquidator_proceeds", format(proceeds)},
          {"liquidator_pnl", format(proceeds - cost)}});
  step.finish();
  if (res.has_no_collateral_left) write_off(id, t, std::nullopt);
  return true;
}

}  // namespace backstop
