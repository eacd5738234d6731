// Whole-account takeover: a backstop vault (Hyperliquid HLP backstop liquidation, Liquity's
// stability pool) or the protocol's reserves (Compound v3 absorb) take every position and balance
// of a liquidatable account. Positions move at their cost basis (the vault inherits their PnL and
// keeps the margin: HLP "does not return the maintenance margin"); balances move as they are.
// Absorb (../shared/reference/lending-protocols.md §2, absorbInternal) then credits the account
// max(0, sum collateral value x liquidation factor - debt), liquidation factor = 1 - bonus, in its
// largest debt asset.
#include <fmt/format.h>

#include "backstop/engine/balance_ops.h"
#include "backstop/liquidation/absorb.h"
#include "backstop/resolution/resolver.h"
#include "backstop/waterfall/mutualize.h"

namespace backstop {

bool Resolver::take_over(AccountId id, Timestamp t, bool absorb) {
  const AccountId vault = *cfg_.vault;
  const State& s0 = engine_.state();
  const MarginAccount& victim0 = s0.accounts.at(id);
  if (s0.accounts.at(vault).mode == MarginMode::Isolated) return false;
  // Absorb: the credit, in the account's largest debt asset (Comet's base asset).
  Value coll_at_lf{};
  Value debt_value{};
  std::optional<AssetId> base;
  Value base_v{};
  for (const TokenBalance& b : victim0.balances) {
    const Quantity q = signed_amount(b, s0.assets[b.asset]);
    if (q.is_positive()) {
      const Value v = usd(b.asset, q, Rounding::Down);
      coll_at_lf +=
          apply_ratio(v, ratio_one() - s0.asset_params[b.asset].liquidation_bonus, Rounding::Down);
    } else if (q.is_negative()) {
      const Value v = usd(b.asset, -q, Rounding::Up);
      debt_value += v;
      if (!base || v > base_v) {
        base = b.asset;
        base_v = v;
      }
    }
  }
  const Value notional = engine_.risk(id).perp_notional;
  ResolutionStep step(*this, {id, vault});
  JournalEntry e{0, t, EntryKind::Absorb, id, {}};
  State& s = engine_.resolution_state();
  const Book from = Book::account(id);
  const Book to = Book::account(vault);
  // Positions: settle funding on both sides, then move size and quote.
  const std::vector<PerpPosition> positions(victim0.positions.begin(), victim0.positions.end());
  for (const PerpPosition& p0 : positions) {
    const MarketId m = p0.market;
    const AssetId q = s.perp_params[m].quote;
    const Book pool{BookKind::OpenInterest, m};
    step.save_market(m);
    for (const AccountId who : {id, vault}) {
      const Quantity paid = settle_funding(s, s.accounts[who], m);
      if (paid.is_positive()) e.legs.push_back(Leg{Book::account(who), pool, q, paid});
      if (paid.is_negative()) e.legs.push_back(Leg{pool, Book::account(who), q, -paid});
    }
    PerpPosition& src = s.accounts[id].position_mut(m);
    const Quantity size = src.size;
    const Quantity quote = src.quote;
    PerpPosition& dst = s.accounts[vault].position_mut(m);
    PerpState& ps = s.perps[m];
    const auto long_part = [](Quantity x) { return x.is_positive() ? x : Quantity{}; };
    const auto short_part = [](Quantity x) { return x.is_negative() ? -x : Quantity{}; };
    const Quantity before = dst.size;
    dst.size += size;
    dst.quote += quote;
    ps.long_oi += long_part(dst.size) - long_part(before) - long_part(size);
    ps.short_oi += short_part(dst.size) - short_part(before) - short_part(size);
    if (quote.is_positive()) e.legs.push_back(Leg{from, to, q, quote});
    if (quote.is_negative()) e.legs.push_back(Leg{to, from, q, -quote});
    PerpPosition& gone = s.accounts[id].position_mut(m);
    gone.size = Quantity{};
    gone.quote = Quantity{};
  }
  s.accounts[id].compact();
  s.accounts[vault].compact();
  // Balances.
  std::vector<std::pair<AssetId, Quantity>> moves;
  for (const TokenBalance& b : s.accounts[id].balances) {
    const Quantity q = signed_amount(b, s.assets[b.asset]);
    if (!q.is_zero()) moves.emplace_back(b.asset, q);
  }
  for (const auto& [a, q] : moves) {
    const Quantity out = adjust(id, a, -q);
    dust_legs(e, id, a, out, -q);
    const Quantity in = adjust(vault, a, q);
    dust_legs(e, vault, a, in, q);
    if (q.is_positive()) e.legs.push_back(Leg{from, to, a, q});
    if (q.is_negative()) e.legs.push_back(Leg{to, from, a, -q});
  }
  Quantity credit{};
  if (absorb && base && coll_at_lf > debt_value) {
    const AssetState& bs = engine_.state().assets[*base];
    credit = quantity_of(coll_at_lf - debt_value, engine_.state().asset_params[*base].decimals,
                         bs.price, Rounding::Down);
    if (credit.is_positive()) {
      const Quantity out = adjust(vault, *base, -credit);
      dust_legs(e, vault, *base, out, -credit);
      const Quantity in = adjust(id, *base, credit);
      dust_legs(e, id, *base, in, credit);
      e.legs.push_back(Leg{to, from, *base, credit});
    }
  }
  touched_.push_back(id);
  touched_.push_back(vault);
  fault_point(FaultPoint::Change);
  if (!e.legs.empty()) post(std::move(e));
  ++totals_.liquidations;
  totals_.liquidated_value += debt_value + notional;
  std::vector<RecordField> fields{{"policy", absorb ? "absorb" : "vault_takeover"},
                                  {"vault", engine_.state().account_name(vault)},
                                  {"debt_value", format(debt_value)},
                                  {"perp_notional", format(notional)}};
  if (absorb) {
    fields.emplace_back("collateral_at_liquidation_factor", format(coll_at_lf));
    fields.emplace_back("credited", base ? asset_amount(*base, credit) : "0");
  }
  record(t, "liquidation", id, std::move(fields));
  step.finish();
  return true;
}

// Liquity v1 normal-mode liquidation (lending-protocols.md §4.1, _getOffsetAndRedistributionVals):
// debtToOffset = min(debt, LUSD in the pool); collToSP = coll * debtToOffset / debt; the rest of
// the debt and collateral goes to the other troves pro rata to their stake (here: their balance of
// the collateral asset), split exactly (waterfall/mutualize.h redistribute). Gas compensation is
// not modelled.
bool Resolver::offset_and_redistribute(AccountId id, Timestamp t) {
  const AccountId vault = *cfg_.vault;
  const State& s0 = engine_.state();
  const LiquidationPair pair = pick_pair(id);
  if (!pair.debt || !pair.collateral) return take_over(id, t, false);
  const AssetId debt = *pair.debt;
  const AssetId coll = *pair.collateral;
  const Quantity owed = -signed_amount(*s0.accounts[id].balance(debt), s0.assets[debt]);
  const Quantity held = signed_amount(*s0.accounts[id].balance(coll), s0.assets[coll]);
  const TokenBalance* vb = s0.accounts[vault].balance(debt);
  const Quantity pool =
      vb != nullptr ? std::max(Quantity{}, signed_amount(*vb, s0.assets[debt])) : Quantity{};
  if (pool >= owed) return take_over(id, t, false);
  std::vector<RedistributionRecipient> recipients;
  for (AccountId other = 0; other < s0.accounts.size(); ++other) {
    if (other == id || other == vault) continue;
    const TokenBalance* b = s0.accounts[other].balance(coll);
    if (b == nullptr || b->scaled <= 0) continue;
    recipients.push_back(RedistributionRecipient{other, signed_amount(*b, s0.assets[coll])});
  }
  if (recipients.empty()) return take_over(id, t, false);
  const Quantity offset = pool;
  const Quantity coll_sp = Quantity::from_raw(
      narrow64(mul_div(held.raw(), offset.raw(), owed.raw(), Rounding::Down), "collToSP"));
  const auto shares = redistribute(owed - offset, held - coll_sp, recipients);
  if (!shares) return take_over(id, t, false);
  std::vector<AccountId> involved{id, vault};
  for (const auto& r : recipients) involved.push_back(r.account);
  ResolutionStep step(*this, involved);
  JournalEntry e{0, t, EntryKind::BorrowerRedistribution, id, {}};
  // Moves `q` of `asset` from account `a` to account `b` (q may be negative: the other way).
  auto move = [&](AccountId a, AccountId b, AssetId asset, Quantity q) {
    if (q.is_zero()) return;
    const Quantity out = adjust(a, asset, -q);
    dust_legs(e, a, asset, out, -q);
    const Quantity in = adjust(b, asset, q);
    dust_legs(e, b, asset, in, q);
    if (q.is_positive()) e.legs.push_back(Leg{Book::account(a), Book::account(b), asset, q});
    if (q.is_negative()) e.legs.push_back(Leg{Book::account(b), Book::account(a), asset, -q});
  };
  move(id, vault, coll, coll_sp);  // the pool gets collateral ...
  move(id, vault, debt, -offset);  // ... and pays that much of the debt
  for (const RedistributionShare& sh : *shares) {
    move(id, sh.account, coll, sh.collateral);
    move(id, sh.account, debt, -sh.debt);
    if (!sh.debt.is_zero() || !sh.collateral.is_zero()) {
      record(t, "redistribution", sh.account,
             {{"from", engine_.state().account_name(id)},
              {"debt_asset", engine_.state().asset_params[debt].symbol},
              {"debt", asset_amount(debt, sh.debt)},
              {"collateral_asset", engine_.state().asset_params[coll].symbol},
              {"collateral", asset_amount(coll, sh.collateral)}});
    }
  }
  post(std::move(e));
  ++totals_.liquidations;
  totals_.liquidated_value += usd(debt, owed, Rounding::Up);
  record(t, "liquidation", id,
         {{"policy", "stability_pool"},
          {"vault", engine_.state().account_name(vault)},
          {"debt_offset", asset_amount(debt, offset)},
          {"collateral_to_pool", asset_amount(coll, coll_sp)},
          {"debt_redistributed", asset_amount(debt, owed - offset)},
          {"collateral_redistributed", asset_amount(coll, held - coll_sp)}});
  step.finish();
  return true;
}

// Compound v3 buyCollateral / quoteCollateral (lending-protocols.md §2): only while reserves are
// below target; the price is the oracle price discounted by storeFrontPriceFactor x (1 - LF).
// The liquidator buys each absorbed collateral whole when that is worth it (it sells through the
// asset's liquidity model, else at the oracle) and its base capital allows.
void Resolver::run_store_front(Timestamp t) {
  const auto& sf = *cfg_.store_front;
  const AccountId vault = *cfg_.vault;
  for (AssetId a = 0; a < engine_.state().assets.size(); ++a) {
    const State& s = engine_.state();
    const TokenBalance* rb = s.accounts[vault].balance(sf.base);
    const Quantity reserves = rb != nullptr ? signed_amount(*rb, s.assets[sf.base]) : Quantity{};
    if (reserves >= sf.target_reserves) return;
    if (a == sf.base) continue;
    const TokenBalance* cb = s.accounts[vault].balance(a);
    if (cb == nullptr || cb->scaled <= 0) continue;
    const Quantity lot = signed_amount(*cb, s.assets[a]);
    const AssetParams& ap = s.asset_params[a];
    const AssetParams& bp = s.asset_params[sf.base];
    const Price pa = s.assets[a].price;
    const Price pb = s.assets[sf.base].price;
    if (!pa.is_positive() || !pb.is_positive() || !lot.is_positive()) continue;
    // Base for the whole lot at the discounted price (rounded up: the buyer pays), checked
    // against Comet's own quote for that amount.
    const Ratio lf = ratio_one() - ap.liquidation_bonus;
    const Ratio discount = Ratio::from_raw(
        narrow64(mul_div(sf.price_factor.raw(), kRatioOne - lf.raw(), kRatioOne, Rounding::Down),
                 "discount"));
    const Price discounted = Price::from_raw(narrow64(
        mul_div(pa.raw(), kRatioOne - discount.raw(), kRatioOne, Rounding::Down), "price"));
    const Value cost_v = value_of(lot, ap.decimals, discounted, Rounding::Up);
    const Quantity base_amount = quantity_of(cost_v, bp.decimals, pb, Rounding::Up);
    const auto out = liquidation::comet_quote_collateral(liquidation::CometQuoteInput{
        base_amount, bp.decimals, pb, ap.decimals, pa, lf, sf.price_factor});
    if (!out || *out < lot) continue;
    Value proceeds = usd(a, lot, Rounding::Down);
    std::optional<Fill> sale;
    auto model = cfg_.asset_liquidity.find(a);
    if (model != cfg_.asset_liquidity.end()) {
      sale = model->second.sell(lot);
      proceeds = Value::from_raw(sale->quote.raw());
    }
    if (proceeds < usd(sf.base, base_amount, Rounding::Up)) continue;
    // One atomic step: capital, balances, journal, model and record.
    ResolutionStep step(*this, {vault});
    const auto capital = cfg_.liquidator.capital.find(sf.base);
    if (capital != cfg_.liquidator.capital.end()) {
      if (capital->second < base_amount) continue;
      capital->second -= base_amount;
    }
    JournalEntry e{0, t, EntryKind::AuctionTake, vault, {}};
    const Quantity gone = adjust(vault, a, -lot);
    dust_legs(e, vault, a, gone, -lot);
    e.legs.push_back(Leg{Book::account(vault), Book::liquidator(0), a, lot});
    const Quantity paid = adjust(vault, sf.base, base_amount);
    dust_legs(e, vault, sf.base, paid, base_amount);
    e.legs.push_back(Leg{Book::liquidator(0), Book::account(vault), sf.base, base_amount});
    post(std::move(e));
    if (sale) {
      step.save_asset_model(a);
      model->second.apply(*sale);
    }
    record(t, "store_front_sale", vault,
           {{"asset", ap.symbol},
            {"amount", asset_amount(a, lot)},
            {"price", format(discounted)},
            {"base_asset", bp.symbol},
            {"paid", asset_amount(sf.base, base_amount)}});
    step.finish();
  }
}

}  // namespace backstop
