// Maker Liquidations 2.0 in the engine (../shared/reference/lending-protocols.md §3; the math is
// liquidation/auction.h, in Maker's own integers). Dog.bark moves a vault's collateral (dink) to
// an auction escrow and its debt (due = dart * rate) off the vault; Clipper.kick starts the sale at
// top = feed * buf for tab = due * chop. At every later event the sale is reset when tail or cusp
// says so, and the keeper (the liquidator) takes the lot when the auction price is below what the
// collateral fetches (through the asset's liquidity model, else the oracle). Proceeds pay the debt
// first; the penalty part goes to the insurance fund (the surplus buffer); a lot left when the tab
// is paid goes back to the vault; debt left when the lot is gone is bad debt and enters the
// waterfall. Keeper incentives (tip + chip) are minted: they are recap debt.
#include <fmt/format.h>

#include "backstop/engine/balance_ops.h"
#include "backstop/liquidation/wide_math.h"
#include "backstop/resolution/resolver.h"

namespace backstop {
namespace {

using liquidation::div_round256;

Int256 pow10w(int n) {
  Int256 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}
Quantity quanta_of_rad(const Int256& rad, int dec, Rounding r) {
  return Quantity::from_raw(narrow64(from256(div_round256(rad, pow10w(45 - dec), r)), "rad"));
}
Price price_of_ray(const Int256& ray) {
  return Price::from_raw(narrow64(from256(div_round256(ray, pow10w(18), Rounding::Down)), "ray"));
}
Book escrow(std::size_t i) {
  return Book{BookKind::Liquidator, static_cast<uint32_t>(1'000'000 + i)};
}
// "No limit" for hole/Hole: 10^13 DAI in rad (10^58). Maker's checked multiply (room * WAD in
// Dog.bark) must stay below 2^254, so a larger sentinel would overflow.
const Int256& unlimited() {
  static const Int256 big = pow10w(58);
  return big;
}

}  // namespace

std::size_t Resolver::running_auctions() const {
  std::size_t n = 0;
  for (const Auction& a : auctions_) n += a.running ? 1 : 0;
  return n;
}

bool Resolver::start_auction(AccountId id, Timestamp t) {
  const State& s = engine_.state();
  const MarginAccount& a = s.accounts.at(id);
  const LiquidationPair pair = pick_pair(id);
  const std::optional<AssetId> debt = pair.debt;
  const std::optional<AssetId> coll = pair.collateral;
  if (!debt) return false;
  if (!coll) {
    write_off(id, t, std::nullopt);
    return true;
  }
  const AssetParams& cp = s.asset_params[*coll];
  const AssetParams& dp = s.asset_params[*debt];
  const Price pc = s.assets[*coll].price;
  const Price pd = s.assets[*debt].price;
  if (!pc.is_positive() || !pd.is_positive()) return false;
  const Quantity ink = signed_amount(*a.balance(*coll), s.assets[*coll]);
  const Quantity owed = -signed_amount(*a.balance(*debt), s.assets[*debt]);
  // Maker's view: collateral price in debt units (feed), spot = feed / mat = feed * weight_maint.
  const Price feed =
      Price::from_raw(narrow64(mul_div(pc.raw(), kPriceOne, pd.raw(), Rounding::Down), "feed"));
  const Price spot = Price::from_raw(
      narrow64(mul_div(feed.raw(), cp.weight_maint.raw(), kRatioOne, Rounding::Down), "spot"));
  const Int256 chop = to256(kRatioOne + cp.liquidation_bonus.raw()) * pow10w(9);
  liquidation::MakerUrn urn{liquidation::maker_wad_from(ink, cp.decimals),
                            liquidation::maker_wad_from(owed, dp.decimals)};
  liquidation::MakerIlk ilk;
  ilk.rate_ray = liquidation::maker_ray();
  ilk.spot_ray = liquidation::maker_ray_from(spot);
  ilk.dust_rad = liquidation::maker_rad_from(cfg_.auction.dust);
  ilk.chop_wad = chop;
  ilk.hole_rad = cfg_.auction.hole ? liquidation::maker_rad_from(*cfg_.auction.hole) : unlimited();
  ilk.dirt_rad = liquidation::maker_rad_from(dirt_[*coll]);
  liquidation::MakerDogGlobal dog{cfg_.auction.global_hole
                                      ? liquidation::maker_rad_from(*cfg_.auction.global_hole)
                                      : unlimited(),
                                  liquidation::maker_rad_from(global_dirt_)};
  const liquidation::MakerBarkResult bark = liquidation::maker_bark(urn, ilk, dog);
  if (!bark.ok()) {
    ++totals_.declined;
    record(t, "liquidation_declined", id,
           {{"debt_asset", dp.symbol},
            {"collateral_asset", cp.symbol},
            {"reason", std::string("bark: ") + liquidation::to_string(bark.error)}});
    return false;
  }
  liquidation::MakerClipParams clip = cfg_.auction.clip;
  clip.chost_rad = liquidation::maker_chost(ilk.dust_rad, chop);
  const liquidation::MakerKickResult kick =
      liquidation::maker_kick(bark.tab_rad, bark.dink_wad, liquidation::maker_ray_from(feed),
                              static_cast<uint64_t>(t), clip);
  if (!kick.ok()) return false;
  const Quantity lot =
      liquidation::maker_quantity_from_wad(bark.dink_wad, cp.decimals, Rounding::Down);
  const Quantity due = quanta_of_rad(bark.due_rad, dp.decimals, Rounding::Down);
  const Value tab = liquidation::maker_value_from_rad(bark.tab_rad, Rounding::Up);
  const std::size_t index = auctions_.size();

  ResolutionStep step(*this, {id});
  JournalEntry e{0, t, EntryKind::Liquidation, id, {}};
  const Quantity took = adjust(id, *coll, -lot);
  e.legs.push_back(Leg{Book::account(id), escrow(index), *coll, lot});
  dust_legs(e, id, *coll, took, -lot);
  const Quantity cleared = adjust(id, *debt, due);
  e.legs.push_back(Leg{escrow(index), Book::account(id), *debt, due});
  dust_legs(e, id, *debt, cleared, due);
  const Quantity coin = quanta_of_rad(kick.coin_rad, dp.decimals, Rounding::Down);
  if (coin.is_positive())
    e.legs.push_back(Leg{Book{BookKind::Recap, 0}, Book::liquidator(0), *debt, coin});
  post(std::move(e));
  dirt_[*coll] += tab;
  global_dirt_ += tab;
  auctions_.push_back(Auction{id, *coll, *debt, kick.sale, due, tab, t, true});
  ++totals_.liquidations;
  totals_.liquidated_value += usd(*debt, due, Rounding::Up);
  record(t, "liquidation", id,
         {{"policy", "dutch_auction"},
          {"auction", std::to_string(index)},
          {"collateral_asset", cp.symbol},
          {"lot", asset_amount(*coll, lot)},
          {"debt_asset", dp.symbol},
          {"due", asset_amount(*debt, due)},
          {"tab", asset_amount(*debt, quanta_of_rad(bark.tab_rad, dp.decimals, Rounding::Up))},
          {"top", format(price_of_ray(kick.sale.top_ray))},
          {"keeper_incentive", asset_amount(*debt, coin)}});
  step.finish();
  return true;
}

void Resolver::run_auctions(Timestamp t) {
  for (std::size_t i = 0; i < auctions_.size(); ++i) {
    Auction& au = auctions_[i];
    if (!au.running) continue;
    const State& s = engine_.state();
    const AssetParams& cp = s.asset_params[au.collateral];
    const AssetParams& dp = s.asset_params[au.debt];
    const Price pc = s.assets[au.collateral].price;
    const Price pd = s.assets[au.debt].price;
    if (!pc.is_positive() || !pd.is_positive()) continue;
    const Price feed =
        Price::from_raw(narrow64(mul_div(pc.raw(), kPriceOne, pd.raw(), Rounding::Down), "feed"));
    liquidation::MakerClipParams clip = cfg_.auction.clip;
    clip.chost_rad =
        liquidation::maker_chost(liquidation::maker_rad_from(cfg_.auction.dust),
                                 to256(kRatioOne + cp.liquidation_bonus.raw()) * pow10w(9));
    const auto now = static_cast<uint64_t>(t);
    liquidation::MakerStatus st = liquidation::maker_status(au.sale, now, clip);
    if (st.needs_redo) {
      const auto redo =
          liquidation::maker_redo(au.sale, liquidation::maker_ray_from(feed), now, clip);
      if (!redo.ok()) continue;
      ResolutionStep step(*this, {});  // the reset and its keeper incentive, atomically
      step.save_auction(i);
      au.sale = redo.sale;
      const Quantity coin = quanta_of_rad(redo.coin_rad, dp.decimals, Rounding::Down);
      if (coin.is_positive()) {
        post(JournalEntry{0,
                          t,
                          EntryKind::KeeperIncentive,
                          au.owner,
                          {Leg{Book{BookKind::Recap, 0}, Book::liquidator(0), au.debt, coin}}});
      }
      record(t, "auction_reset", au.owner,
             {{"auction", std::to_string(i)},
              {"top", format(price_of_ray(au.sale.top_ray))},
              {"keeper_incentive", asset_amount(au.debt, coin)}});
      step.finish();
      st = liquidation::maker_status(au.sale, now, clip);
    }
    // The keeper is the liquidator: present, after its latency, within its capital.
    if (!cfg_.liquidator.present || t - au.kicked < cfg_.liquidator.latency_s) continue;
    // The keeper buys the whole lot when it fetches at least its auction cost.
    const Quantity lot =
        liquidation::maker_quantity_from_wad(au.sale.lot_wad, cp.decimals, Rounding::Down);
    const Price price = price_of_ray(st.price_ray);  // debt units per collateral unit
    const Value cost =
        value_of(to_quote(lot.raw(), price.raw(), cp.decimals, dp.decimals, Rounding::Up),
                 dp.decimals, pd, Rounding::Up);
    Value proceeds = usd(au.collateral, lot, Rounding::Down);
    std::optional<Fill> sale;
    auto model = cfg_.asset_liquidity.find(au.collateral);
    if (model != cfg_.asset_liquidity.end()) {
      sale = model->second.sell(lot);
      proceeds = Value::from_raw(sale->quote.raw());
    }
    if (proceeds < cost) continue;
    const auto take = liquidation::maker_take(au.sale, au.sale.lot_wad, st.price_ray, now, clip);
    if (!take.ok()) continue;
    const Quantity slice =
        liquidation::maker_quantity_from_wad(take.slice_wad, cp.decimals, Rounding::Down);
    const Quantity owe = quanta_of_rad(take.owe_rad, dp.decimals, Rounding::Up);
    // One atomic step: capital, auction, funds, balances, journal, model, dirt and record.
    ResolutionStep step(*this, {au.owner});
    step.save_auction(i);
    const auto capital = cfg_.liquidator.capital.find(au.debt);
    if (capital != cfg_.liquidator.capital.end()) {
      if (capital->second < owe) continue;  // cannot pay for the lot
      capital->second -= owe;
    }
    const Quantity cover = std::min(owe, au.sin);
    const Quantity surplus = owe - cover;
    JournalEntry e{0, t, EntryKind::AuctionTake, au.owner, {}};
    e.legs.push_back(Leg{Book::liquidator(0), escrow(i), au.debt, owe});
    if (slice.is_positive())
      e.legs.push_back(Leg{escrow(i), Book::liquidator(0), au.collateral, slice});
    if (surplus.is_positive()) {
      e.legs.push_back(Leg{escrow(i), Book::insurance_fund(0), au.debt, surplus});
      cfg_.insurance[au.debt] = credit_fee(cfg_.insurance[au.debt], surplus);
    }
    au.sin -= cover;
    au.sale = take.sale;
    const Quantity returned =
        liquidation::maker_quantity_from_wad(take.lot_returned_wad, cp.decimals, Rounding::Down);
    if (returned.is_positive()) {
      const Quantity got = adjust(au.owner, au.collateral, returned);
      e.legs.push_back(Leg{escrow(i), Book::account(au.owner), au.collateral, returned});
      dust_legs(e, au.owner, au.collateral, got, returned);
    }
    post(std::move(e));
    if (sale) {
      step.save_asset_model(au.collateral);
      model->second.apply(*sale);
    }
    const Value released =
        liquidation::maker_value_from_rad(take.dirt_released_rad, Rounding::Down);
    dirt_[au.collateral] = std::max(Value{}, dirt_[au.collateral] - released);
    global_dirt_ = std::max(Value{}, global_dirt_ - released);
    record(t, "auction_take", au.owner,
           {{"auction", std::to_string(i)},
            {"price", format(price)},
            {"slice", asset_amount(au.collateral, slice)},
            {"owe", asset_amount(au.debt, owe)},
            {"to_insurance", asset_amount(au.debt, surplus)},
            {"lot_returned", asset_amount(au.collateral, returned)},
            {"debt_left", asset_amount(au.debt, au.sin)}});
    step.finish();
    if (take.finished) end_auction(i, t);
  }
}

Value Resolver::open_auction_shortfall() const {
  Value total{};
  for (const Auction& au : auctions_) {
    if (!au.running || !au.sin.is_positive()) continue;
    const AssetParams& cp = engine_.state().asset_params[au.collateral];
    const Quantity lot =
        liquidation::maker_quantity_from_wad(au.sale.lot_wad, cp.decimals, Rounding::Down);
    const Value owed = usd(au.debt, au.sin, Rounding::Up);
    const Value worth = usd(au.collateral, lot, Rounding::Down);
    if (owed > worth) total += owed - worth;
  }
  return total;
}

void Resolver::end_auction(std::size_t i, Timestamp t) {
  Quantity left{};
  {
    // One atomic step: the auction ends and what it still owes is booked as bad debt.
    ResolutionStep step(*this, {});
    step.save_auction(i);
    Auction& au = auctions_[i];
    au.running = false;
    if (!au.sin.is_positive()) {
      step.finish();
      return;
    }
    // The lot is gone and debt is left: bad debt, paid by the waterfall.
    left = au.sin;
    au.sin = Quantity{};
    post(JournalEntry{0,
                      t,
                      EntryKind::BadDebt,
                      au.owner,
                      {Leg{Book::deficit(au.debt), escrow(i), au.debt, left}}});
    const Value v = usd(au.debt, left, Rounding::Up);
    bad_debt_.book(t, au.debt, au.owner, left, v);
    totals_.bad_debt += v;
    record(t, "bad_debt", au.owner,
           {{"asset", engine_.state().asset_params[au.debt].symbol},
            {"amount", asset_amount(au.debt, left)},
            {"value", format(v)},
            {"outstanding", asset_amount(au.debt, bad_debt_.outstanding(au.debt))}});
    step.finish();
  }
  const Auction& au = auctions_[i];
  run_waterfall(au.debt, left, std::nullopt, au.owner, t);
}

}  // namespace backstop
