// Resolution defaults per venue. Sources: ../shared/reference/lending-protocols.md (§1.4-1.5 Aave,
// §2 Compound v3, §3 Maker, §4 Liquity, §5 Morpho) and perp-venues.md (a.1 dYdX, a.2 Drift, a.3
// Mango, a.4 Hyperliquid, a.6 Binance). Approximations are listed in docs/presets.md.
#include "backstop/presets/resolution.h"

namespace backstop {
namespace {

Ratio r(int64_t ppb) {
  return Ratio::from_raw(ppb);
}
constexpr int64_t kPct = 10'000'000;  // 1 % in Ratio raw units

std::vector<Layer> layers(std::initializer_list<Layer> l) {
  return {l};
}

}  // namespace

ResolutionConfig preset_resolution(std::string_view preset) {
  ResolutionConfig c;
  c.enabled = true;
  if (preset == "aave-v3") {
    // v3.3 close factor and dust rule (defaults), protocol fee 10 % of the bonus; a deficit is
    // covered by the Umbrella stake of the reserve (staked tranche); what it cannot cover stays
    // outstanding in the deficit ledger (§1.5).
    c.protocol_fee = r(10 * kPct);
    c.waterfall = layers({Layer::StakedTranche});
  } else if (preset == "compound-v3") {
    // absorb: reserves (the vault account) take the account; excess credited at LF (§2).
    c.lending = LendingLiquidation::Absorb;
    c.waterfall = layers({Layer::InsuranceFund});
  } else if (preset == "maker") {
    // Liquidations 2.0: Dog.bark + Clipper Dutch auctions (AuctionConfig defaults, ETH-A-like);
    // proceeds above the debt (the chop) feed the surplus buffer (insurance fund); a shortfall
    // is paid from the surplus buffer, then by debt auctions (flop: recap debt).
    c.lending = LendingLiquidation::DutchAuction;
    c.waterfall = layers({Layer::InsuranceFund, Layer::RecapDebt});
  } else if (preset == "liquity") {
    // The stability pool (the vault account) absorbs the whole trove (§4.1).
    // What the pool cannot offset is redistributed to the other troves.
    c.lending = LendingLiquidation::VaultTakeover;
    c.redistribute = true;
    c.waterfall = layers({Layer::Mutualization});
  } else if (preset == "morpho-blue") {
    // No close factor, no dust rule; bad debt is socialised to the market's suppliers at once.
    c.close_factor.default_close_factor = ratio_one();
    c.close_factor.close_factor_hf_threshold = std::nullopt;
    c.close_factor.min_base_max_close_factor_threshold = Value{};
    c.close_factor.min_leftover_base = std::nullopt;
    c.waterfall = layers({Layer::Mutualization});
  } else if (preset == "dydx-v4") {
    // Fills pay the insurance fund up to 1.5 % (MaxLiquidationFeePpm); the fund pays shortfalls;
    // deleveraging takes what the book cannot; 50 liquidations per block.
    c.perp = PerpLiquidation::PartialToBuffer;
    c.perp_fee = r(15 * kPct / 10);
    c.perp_fee_to_insurance = ratio_one();
    c.buffer = Ratio{};
    c.adl = AdlRanking::ProRata;
    c.caps.max_liquidations = 50;
    c.waterfall = layers({Layer::InsuranceFund, Layer::RecapDebt});
  } else if (preset == "drift-v2") {
    // Liquidation buffer 2 %, liquidator fee and IF fee; IF then socialisation over OI.
    c.perp = PerpLiquidation::PartialToBuffer;
    c.buffer = r(2 * kPct);
    // Time-paced partial liquidation (perp-venues.md a.2 step 6): the $50 thresholds are from
    // the reference; initial_pct_to_liquidate 10 % and liquidation_duration 150 slots are
    // ASSUMED (Drift mainnet State values, not in the reference), 150 slots x 0.4 s = 60 s.
    c.perp_pacing =
        PerpPacing{r(10 * kPct), 60, Value::from_raw(50'000'000), Value::from_raw(50'000'000)};
    c.waterfall = layers({Layer::InsuranceFund, Layer::Mutualization});
  } else if (preset == "mango-v4") {
    c.perp = PerpLiquidation::PartialToBuffer;
    c.waterfall = layers({Layer::InsuranceFund, Layer::Mutualization});
  } else if (preset == "hyperliquid") {
    // Book first; the HLP vault takes over below 2/3 of MM; ADL ranks by mark/entry x
    // notional/equity.
    // Book liquidations charge no fee (the trader keeps what is left).
    c.perp = PerpLiquidation::Full;
    c.perp_fee = Ratio{};
    c.perp_backstop = r(666'666'667);
    c.adl = AdlRanking::Hyperliquid;
    // Positions above $100k send 20 % to the book, then 30 s of full-size orders (a.4).
    c.perp_chunks = PerpChunks{r(20 * kPct), Value::from_raw(100'000'000'000), 30};
    c.waterfall = layers({Layer::InsuranceFund, Layer::RecapDebt});
  } else if (preset == "binance-um") {
    c.perp = PerpLiquidation::Full;
    c.perp_fee_to_insurance = ratio_one();
    c.adl = AdlRanking::PnlLeverage;
    c.waterfall = layers({Layer::InsuranceFund, Layer::RecapDebt});
  }
  return c;
}

}  // namespace backstop
