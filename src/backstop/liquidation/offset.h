// File: liquidation/offset.h
// Whole-position liquidations without a close factor: Liquity v1 (stability-pool offset and
// redistribution, gas compensation, Recovery-Mode capped offset) and Morpho Blue (liquidation
// incentive factor and the seized/repaid conversion). Sources:
// ../shared/reference/lending-protocols.md §4.1 (liquity/dev TroveManager.sol @ 14de1c1b) and
// §5 (morpho-org/morpho-blue Morpho.sol @ 3085651a).
//
// Units: Quantity native quanta (decimals given), Price USD per whole unit (1e-9), Ratio 1e-9.
// The debt token (LUSD, a Morpho loan token) is priced by the caller where a conversion needs it.
// Rounding as the venues: Liquity floors coll/200 and coll * offset / debt, so the stability
// pool never receives more than its exact share and the remainder goes to redistribution (parts
// sum exactly); Morpho rounds seized collateral Down and repaid assets Up (protocol-favourable),
// and LIF's inner product and quotient Down (wMulDown / wDivDown). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "backstop/money/fixed.h"

namespace backstop::liquidation {

struct LiquityParams {
  Quantity debt_gas_compensation;  // LUSD_GAS_COMPENSATION in debt quanta (200 LUSD)
  int64_t percent_divisor = 200;   // collateral gas compensation = coll / 200 (0.5 %)
};

struct LiquityOffset {
  Quantity coll_gas_compensation;  // collateral to the liquidator: floor(coll / 200)
  Quantity debt_gas_compensation;  // LUSD to the liquidator from the gas pool
  Quantity debt_to_offset;         // cancelled against the stability pool
  Quantity coll_to_sp;             // collateral to stability-pool depositors
  Quantity debt_to_redistribute;   // to active troves pro rata to stake
  Quantity coll_to_redistribute;
  Quantity coll_surplus;  // Recovery-Mode capped offset only: claimable by the borrower
};

// Normal mode (ICR < MCR): debt_to_offset = min(debt, lusd_in_sp);
// coll_to_sp = floor((coll - gas) * debt_to_offset / debt); the rest is redistributed.
// nullopt when debt <= 0, coll < 0, lusd_in_sp < 0 or percent_divisor <= 0.
[[nodiscard]] std::optional<LiquityOffset> liquity_offset(Quantity debt, Quantity coll,
                                                          Quantity lusd_in_sp,
                                                          const LiquityParams& p);

// Recovery Mode with MCR <= ICR < TCR and debt <= lusd_in_sp (_getCappedOffsetVals): only
// capped = floor(debt * MCR / price) collateral is liquidated (gas = capped / 200, SP gets
// capped - gas, whole debt offset); coll - capped is surplus. Debt token taken at $1.
[[nodiscard]] std::optional<LiquityOffset> liquity_capped_offset(Quantity debt, int debt_decimals,
                                                                 Quantity coll, int coll_decimals,
                                                                 Price coll_price, Ratio mcr,
                                                                 const LiquityParams& p);

// Morpho: LIF = min(max_lif, 1 / (1 - cursor * (1 - LLTV))). Defaults cursor 0.3, max 1.15.
[[nodiscard]] Ratio morpho_lif(Ratio lltv, Ratio cursor = Ratio::from_raw(300'000'000),
                               Ratio max_lif = Ratio::from_raw(1'150'000'000));

struct MorphoMarket {
  int loan_decimals = 0;
  Price loan_price;
  int collateral_decimals = 0;
  Price collateral_price;
  Ratio lif;
};
// repaid given: seized = floor(convert(floor(repaid * LIF)))   (collateral quanta)
[[nodiscard]] std::optional<Quantity> morpho_seized_for_repaid(const MorphoMarket& m,
                                                               Quantity repaid);
// seized given: repaid = ceil(ceil(convert(seized)) / LIF)      (loan quanta)
[[nodiscard]] std::optional<Quantity> morpho_repaid_for_seized(const MorphoMarket& m,
                                                               Quantity seized);

}  // namespace backstop::liquidation
