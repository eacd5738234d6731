// Bad debt and the loss waterfall: write-off of what an account with nothing left still owes
// (deficit booking), then insurance fund -> staked tranche -> mutualization -> recapitalisation
// debt, in the configured order (waterfall/plan.h decides the amounts; this file moves them).
#include <fmt/format.h>

#include <algorithm>

#include "backstop/engine/balance_ops.h"
#include "backstop/resolution/resolver.h"
#include "backstop/waterfall/apportion.h"
#include "backstop/waterfall/mutualize.h"

namespace backstop {
namespace {

const Book kSuppliers{BookKind::Suppliers, 0};
const Book kRecap{BookKind::Recap, 0};
const Book kTranche{BookKind::StakedTranche, 0};

EntryKind entry_kind(Layer l, bool perp) {
  switch (l) {
    case Layer::InsuranceFund:
      return EntryKind::InsurancePayout;
    case Layer::StakedTranche:
      return EntryKind::StakeSlash;
    case Layer::Mutualization:
      return perp ? EntryKind::OpenInterestSocialization : EntryKind::SupplierHaircut;
    case Layer::Adl:
      return EntryKind::AdlFill;
    case Layer::RecapDebt:
      return EntryKind::RecapDebt;
  }
  return EntryKind::DeficitCover;
}

}  // namespace

void Resolver::write_off(AccountId id, Timestamp t, std::optional<MarketId> market) {
  std::vector<std::pair<AssetId, Quantity>> losses;
  {
    ResolutionStep step(*this, {id});
    JournalEntry e{0, t, EntryKind::BadDebt, id, {}};
    const MarginAccount& a = engine_.state().accounts.at(id);
    std::vector<std::pair<AssetId, Quantity>> owed;
    for (const TokenBalance& b : a.balances) {
      const Quantity q = signed_amount(b, engine_.state().assets[b.asset]);
      if (q.is_negative()) owed.emplace_back(b.asset, -q);
    }
    for (const auto& [asset, q] : owed) {
      const Quantity got = adjust(id, asset, q);
      e.legs.push_back(Leg{Book::deficit(asset), Book::account(id), asset, q});
      dust_legs(e, id, asset, got, q);
      const Value v = usd(asset, q, Rounding::Up);
      bad_debt_.book(t, asset, id, q, v);
      totals_.bad_debt += v;
      losses.emplace_back(asset, q);
      record(t, "bad_debt", id,
             {{"asset", engine_.state().asset_params[asset].symbol},
              {"amount", asset_amount(asset, q)},
              {"value", format(v)},
              {"outstanding", asset_amount(asset, bad_debt_.outstanding(asset))}});
    }
    if (e.legs.empty()) return;
    post(std::move(e));
    step.finish();
  }
  // A loss is a market's loss (per-market fund cap, open-interest socialization) only in that
  // market's quote asset; a perp account's other debts (a borrowed token) are lending losses.
  for (const auto& [asset, q] : losses) {
    const bool in_quote = market && engine_.state().perp_params[*market].quote == asset;
    run_waterfall(asset, q, in_quote ? market : std::nullopt, id, t);
  }
}

void Resolver::run_waterfall(AssetId asset, Quantity amount, std::optional<MarketId> market,
                             AccountId from, Timestamp t) {
  const State& s = engine_.state();
  WaterfallResources res;
  if (auto it = cfg_.insurance.find(asset); it != cfg_.insurance.end()) res.fund = it->second;
  if (auto it = cfg_.tranche.find(asset); it != cfg_.tranche.end()) res.stake = it->second;
  // Mutualization: a lending loss falls on the asset's suppliers, a perp loss on the market's
  // open interest; either needs someone to fall on.
  if (market) {
    const PerpState& ps = s.perps.at(*market);
    res.mutualization_limit =
        (ps.long_oi + ps.short_oi).is_positive() ? std::nullopt : std::optional(Quantity{});
  } else {
    // At most what leaves the supply index >= kMinSupplyIndex (10^-3): suppliers lose at most
    // 99.9 % of their deposits, and every later balance operation on the asset stays in range
    // (a scaled balance is at most 1,000 x its amount). With delta = ceil(loss * 1e12 / S)
    // (supplier_haircut) the largest such loss is floor((index - min) * S / 1e12); the rest of
    // the loss goes to the next layer.
    constexpr int64_t kMinSupplyIndex = kIndexOne / 1000;
    const AssetState& st = s.assets.at(asset);
    res.mutualization_limit = st.supply_index.raw() > kMinSupplyIndex && st.total_supply_scaled > 0
                                  ? Quantity::from_raw(narrow64(
                                        mul_div(st.supply_index.raw() - kMinSupplyIndex,
                                                st.total_supply_scaled, kIndexOne, Rounding::Down),
                                        "mutualization limit"))
                                  : Quantity{};
  }
  res.adl_limit = Quantity{};  // ADL closes positions before the loss is realised (perps.cc)
  const Value value = usd(asset, amount, Rounding::Up);
  const WaterfallPlan plan =
      plan_waterfall(Deficit{amount, value, market}, res, std::span<const Layer>(cfg_.waterfall));
  Quantity pending_total{};
  // One "waterfall" record per layer step; the outstanding deficit excludes what is pending.
  auto record_layer = [&](const WaterfallStep& ws) {
    record(t, "waterfall", from,
           {{"layer", layer_name(ws.layer)},
            {"asset", s.asset_params.at(asset).symbol},
            {"amount", asset_amount(asset, ws.amount)},
            {"value", format(ws.value)},
            {"outstanding", asset_amount(asset, bad_debt_.outstanding(asset) - pending_total)}});
  };
  for (const WaterfallStep& ws : plan.steps) {
    if (ws.layer == Layer::Mutualization && market) {
      // Socialised once per market at the end of this event's resolution (resolver.cc); the
      // step is decided (and recorded) now, atomically (nothing moves yet).
      ResolutionStep step(*this, {});
      pending_social_[{asset, *market}].emplace_back(from, ws.amount);
      pending_total += ws.amount;
      record_layer(ws);
      step.finish();
      continue;
    }
    {
      ResolutionStep step(*this, {});
      JournalEntry e{0, t, entry_kind(ws.layer, market.has_value()), from, {}};
      Book source = kRecap;
      switch (ws.layer) {
        case Layer::InsuranceFund:
          source = Book::insurance_fund(0);
          cfg_.insurance[asset] = pay_from_fund(cfg_.insurance[asset], market, ws.amount);
          break;
        case Layer::StakedTranche:
          source = kTranche;
          cfg_.tranche[asset] = slash(cfg_.tranche[asset], ws.amount);
          break;
        case Layer::Mutualization: {
          source = kSuppliers;
          step.save_asset(asset);
          AssetState& st = engine_.resolution_state().assets.at(asset);
          const auto cut = supplier_haircut(st.supply_index, st.total_supply_scaled, ws.amount);
          if (!cut) throw ConservationError("supplier haircut without suppliers");
          st.supply_index = cut->new_index;
          // The index is rounded down: suppliers lose at least the loss; the excess is dust.
          if (cut->absorbed > ws.amount) {
            e.legs.push_back(
                Leg{kSuppliers, Book{BookKind::RoundingDust, 0}, asset, cut->absorbed - ws.amount});
          }
          break;
        }
        case Layer::Adl:
        case Layer::RecapDebt:
          source = kRecap;
          break;
      }
      e.legs.push_back(Leg{source, Book::deficit(asset), asset, ws.amount});
      post(std::move(e));
      bad_debt_.cover(t, asset, source, ws.amount, ws.value);
      record_layer(ws);
      step.finish();
    }
  }
  if (plan.left.is_positive()) {
    record(t, "waterfall", from,
           {{"layer", "uncovered"},
            {"asset", s.asset_params.at(asset).symbol},
            {"amount", asset_amount(asset, plan.left)},
            {"value", format(plan.left_value)},
            {"outstanding", asset_amount(asset, bad_debt_.outstanding(asset) - pending_total)}});
  }
}

// Drift/Mango-style socialization, realised once per market at the end of an event's resolution:
// every open position in the market pays a share of the tick's socialised losses proportional to
// |size| (exact largest-remainder split, ties by account id), taken from its quote. If the open
// interest closed meanwhile, the loss goes to recap debt when that layer is configured, else it
// stays outstanding.
void Resolver::socialize_over_positions(AssetId asset, MarketId market, Timestamp t) {
  const State& s = engine_.state();
  const std::vector<std::pair<AccountId, Quantity>> losses = pending_social_.at({asset, market});
  Quantity amount{};
  for (const auto& [from, q] : losses) amount += q;
  std::vector<AccountId> ids;
  std::vector<int128> weights;
  std::vector<uint32_t> keys;
  holders_.erase(market);  // positions may have changed since the list was built
  for (AccountId id : holders(market)) {
    const PerpPosition* p = s.accounts[id].position(market);
    if (p == nullptr || p->size.is_zero()) continue;
    ids.push_back(id);
    weights.push_back(p->size.abs().raw());
    keys.push_back(id);
  }
  // One atomic step: the pending entry goes with the socialisation (or the failure records).
  ResolutionStep step(*this, ids);
  pending_social_.erase({asset, market});
  const char* layer = layer_name(Layer::Mutualization);
  if (ids.empty()) {
    // The open interest closed during this event: recap debt takes the loss when that layer is
    // configured (it comes after mutualization), else it stays outstanding.
    const bool recap = std::find(cfg_.waterfall.begin(), cfg_.waterfall.end(), Layer::RecapDebt) !=
                       cfg_.waterfall.end();
    layer = recap ? layer_name(Layer::RecapDebt) : "uncovered";
    if (recap) {
      post(JournalEntry{0,
                        t,
                        EntryKind::RecapDebt,
                        std::nullopt,
                        {Leg{kRecap, Book::deficit(asset), asset, amount}}});
      bad_debt_.cover(t, asset, kRecap, amount, usd(asset, amount, Rounding::Down));
    }
  } else {
    const std::vector<int64_t> shares = apportion(amount.raw(), weights, keys);
    JournalEntry e{0, t, EntryKind::OpenInterestSocialization, std::nullopt, {}};
    State& w = engine_.resolution_state();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (shares[i] == 0) continue;
      const Quantity q = Quantity::from_raw(shares[i]);
      step.save_account(ids[i]);
      w.accounts[ids[i]].position_mut(market).quote -= q;
      touched_.push_back(ids[i]);
      fault_point(FaultPoint::Change);
      e.legs.push_back(Leg{Book::account(ids[i]), Book::deficit(asset), asset, q});
      record(t, "socialization", ids[i],
             {{"market", s.perp_params[market].symbol},
              {"asset", s.asset_params[asset].symbol},
              {"amount", asset_amount(asset, q)}});
    }
    if (!e.legs.empty()) {
      post(std::move(e));
      bad_debt_.cover(t, asset, Book{BookKind::OpenInterest, market}, amount,
                      usd(asset, amount, Rounding::Down));
    }
  }
  if (std::string_view(layer) != layer_name(Layer::Mutualization)) {
    for (const auto& [from, q] : losses) {
      record(t, "socialization_failed", from,
             {{"layer", layer},
              {"market", s.perp_params[market].symbol},
              {"asset", s.asset_params[asset].symbol},
              {"amount", asset_amount(asset, q)},
              {"reason", "no open interest left to socialise over"}});
    }
  }
  step.finish();
}

}  // namespace backstop
