// File: resolution/config.h
// What a venue does with an account below maintenance and with the loss it may leave: liquidation
// policy parameters, liquidator behaviour, liquidity models, and the loss waterfall's resources.
// Plain data (set by a scenario file or a venue preset); owned by the Resolver, which updates the
// fund, tranche and liquidity state in it as it runs. Not thread-safe.
//
// Units: insurance fund, tranche and liquidator capital in native quanta of their asset; the
// liquidity model of an asset sells that asset for US dollars (Pair{decimals, 6}: the quote is
// micro-dollars, i.e. Value raw units); the liquidity model of a perp market trades its base for
// its quote asset (Pair{base_decimals, quote decimals}).
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "backstop/ceiling/autoline.h"
#include "backstop/liquidation/auction.h"
#include "backstop/liquidation/close_factor.h"
#include "backstop/liquidation/split.h"
#include "backstop/liquidity/liquidity.h"
#include "backstop/model/ids.h"
#include "backstop/waterfall/adl.h"
#include "backstop/waterfall/plan.h"

namespace backstop {

struct LiquidatorBehaviour {
  bool present = true;    // absent: nobody liquidates (accounts stay below maintenance)
  int64_t latency_s = 0;  // acts only on accounts unsafe for at least this long
  // Capital per debt asset for lending liquidations (native quanta, consumed as it repays); an
  // asset not listed is unlimited.
  std::map<AssetId, Quantity> capital;
  // Declines a lending liquidation whose collateral, sold through the asset's liquidity model,
  // would fetch less than the debt it repays.
  bool require_profit = true;
};

enum class PerpLiquidation : uint8_t {
  PartialToBuffer,  // close the least that restores maintenance plus a buffer (Drift, Mango, dYdX)
  Full,             // close every position (Binance/BitMEX-style takeover at once)
};

enum class LendingLiquidation : uint8_t {
  CloseFactor,    // a liquidator repays part of the debt for collateral plus a bonus (Aave, Morpho)
  Absorb,         // the protocol's reserves take the whole account; the excess of the collateral
                  // at its liquidation factor (1 - bonus) over the debt is credited back (Comet)
  VaultTakeover,  // a backstop vault / stability pool takes the whole account (Liquity SP)
  DutchAuction,   // Maker Liquidations 2.0: Dog.bark sends collateral and debt x chop to a
                  // Clipper auction whose price falls over time; keepers take (auction_exec.cc)
};

[[nodiscard]] inline liquidation::MakerClipParams default_clip() {
  liquidation::MakerClipParams p;
  p.buf_ray = liquidation::maker_ray_from(Ratio::from_raw(1'200'000'000));
  p.tail = 8'400;
  p.cusp_ray = liquidation::maker_ray_from(Ratio::from_raw(400'000'000));
  p.chip_wad = to256(1'000'000) * to256(1'000'000'000);  // 0.001 wad
  p.tip_rad = liquidation::maker_rad_from(Value::from_raw(300'000'000));
  p.curve.kind = liquidation::MakerCurveKind::kStairstepExponential;
  p.curve.cut_ray = liquidation::maker_ray_from(Ratio::from_raw(990'000'000));
  p.curve.step = 90;
  return p;
}

// Maker Dog/Clipper parameters (liquidation/auction.h). The penalty chop is 1 + the collateral
// asset's liquidation_bonus; the keeper is the liquidator (present, latency, capital).
struct AuctionConfig {
  // Defaults: ETH-A-like values from ../shared/reference/lending-protocols.md §3 (buf 1.2, tail
  // 140 min, cusp 0.4, stairstep cut 0.99 every 90 s, chip 0.1 %, tip 300), flagged there as
  // governance-set and not re-verified.
  liquidation::MakerClipParams clip = default_clip();
  Value dust{};                      // minimum vault debt (dss ilk.dust)
  std::optional<Value> hole;         // max tab in auction per collateral asset (ilk.hole)
  std::optional<Value> global_hole;  // max tab in auction overall (Dog.Hole)
};

// Drift's time-paced partial liquidation (../shared/reference/perp-venues.md a.2 step 6,
// calculate_max_pct_to_liquidate), for the PartialToBuffer policy, with time in seconds where
// Drift counts slots (seconds = slots x 0.4, Solana's 400 ms slot target). While an account is
// being liquidated, the share of its margin shortage that may be freed grows linearly from
// initial_pct to 100 % over duration_s since it became unsafe:
//   pct_freeable = min(1, initial_pct + elapsed_s / duration_s)
//   allowed      = (shortage + freed) x pct_freeable - freed
// (freed: margin already freed in this episode); the close is that share, allowed / shortage, of
// the base that covers the shortage (rounded Down). 100 % when the shortage is below
// small_shortage; a position worth at most small_position may be closed whole. The shortage is
// ceil(perp notional x buffer) - maintenance excess. A paced (limited) liquidation happens at most
// once per account per event time and closes only the account's largest position.
struct PerpPacing {
  Ratio initial_pct{};
  int64_t duration_s = 1;                              // > 0
  Value small_shortage = Value::from_raw(50'000'000);  // $50
  Value small_position = Value::from_raw(50'000'000);  // $50
};

// Hyperliquid's chunked book liquidation (perp-venues.md a.4): a position whose notional (USD, at
// the mark, rounded Up) is above notional_threshold sends only ceil(|size| x fraction) to the book;
// for cooldown_s after such a chunk, liquidation orders are for the full amount again.
struct PerpChunks {
  Ratio fraction = Ratio::from_raw(200'000'000);                // 20 %
  Value notional_threshold = Value::from_raw(100'000'000'000);  // $100,000
  int64_t cooldown_s = 30;
};

struct ResolutionConfig {
  bool enabled = false;
  LendingLiquidation lending = LendingLiquidation::CloseFactor;
  // The account that takes accounts over (Absorb, VaultTakeover, perp_backstop): the protocol's
  // reserves, a stability pool, a liquidator vault such as Hyperliquid's HLP. Its P&L is its own.
  std::optional<AccountId> vault;
  // Hyperliquid backstop liquidation: when an account's equity is below this fraction of its
  // maintenance requirement (2/3), the vault takes over its positions and margin instead of
  // the book; none = never.
  std::optional<Ratio> perp_backstop;
  // Liquity: when the stability pool (the vault) holds less of the debt asset than the trove
  // owes, it offsets what it can and the rest of the debt and collateral is redistributed to the
  // other holders of the collateral, pro rata to their collateral (vault_takeover only).
  bool redistribute = false;
  // Compound v3 buyCollateral: while the vault's (reserves') balance of `base` is below
  // target_reserves, the liquidator buys the absorbed collateral at the store-front discount
  // price_factor x (1 - liquidation factor), paying base.
  struct StoreFront {
    AssetId base = 0;
    Ratio price_factor{};
    Quantity target_reserves{};
  };
  std::optional<StoreFront> store_front;
  AuctionConfig auction{};
  // Lending: Aave v3.3 close factor, dust and deficit rules (liquidation/close_factor.h); the
  // bonus is the collateral asset's liquidation_bonus.
  liquidation::AaveCloseFactorParams close_factor{};
  Ratio protocol_fee{};      // share of the bonus collateral that goes to the treasury
  bool toxic_guard = false;  // refuse a fixed-bonus liquidation when LTV >= 1 / (1 + bonus)
  // Perps.
  PerpLiquidation perp = PerpLiquidation::PartialToBuffer;
  Ratio perp_fee = Ratio::from_raw(10'000'000);                // of closed notional (1%)
  Ratio perp_fee_to_insurance = Ratio::from_raw(500'000'000);  // rest to the liquidator
  Ratio buffer = Ratio::from_raw(20'000'000);  // exit: excess >= buffer x remaining notional
  // A liquidation fill's average price may be at most this far from the mark (dYdX's fillable
  // price, Drift's oracle +- fee limit); what the book cannot fill within it is deleveraged.
  Ratio max_fill_slippage = Ratio::from_raw(100'000'000);  // 10 %
  std::optional<PerpPacing> perp_pacing;  // Drift time pacing (PartialToBuffer only); none = off
  std::optional<PerpChunks> perp_chunks;  // Hyperliquid 20 % chunks (either policy); none = off
  // Loss waterfall, per deficit asset.
  std::vector<Layer> waterfall{default_layer_order().begin(), default_layer_order().end()};
  std::map<AssetId, InsuranceFund> insurance;
  std::map<AssetId, StakedTranche> tranche;
  AdlRanking adl = AdlRanking::PnlLeverage;
  // Liquidity.
  std::map<AssetId, LiquidityModel> asset_liquidity;
  std::map<MarketId, LiquidityModel> market_liquidity;
  int64_t impact_half_life_s = 0;  // price impact decays with this half-life (0: never)
  liquidation::TickCaps caps{};
  LiquidatorBehaviour liquidator{};
  // Debt-ceiling dynamics (Maker DC-IAM): after every event the asset's borrow cap (its line, in
  // native quanta) follows min(total borrowed + gap, max_line), raised at most once per ttl,
  // lowered at once (ceiling/autoline.h).
  std::map<AssetId, AutoLine> autoline;
  // Whether records carry their fields. The simulator reads only each record's kind and account
  // (and ADL volume from ResolutionTotals), so it turns them off; nothing else changes.
  bool record_fields = true;
};

}  // namespace backstop
