// File: liquidation/absorb.h
// Compound v3 (Comet) liquidation: absorb (the protocol takes the whole account onto its balance
// sheet) and the store front that sells seized collateral (quoteCollateral / buyCollateral).
// Source: ../shared/reference/lending-protocols.md §2 (compound-finance/comet Comet.sol).
//
// Units: base and collateral amounts are Quantity in native quanta (decimals given), prices are
// Price (USD per whole unit, 1e-9), values Value (USD, 1e-6), factors Ratio (1e-9). The account's
// base balance is signed present value (negative = borrow).
//
// Rounding (Comet floors every mulPrice/mulFactor/divPrice; we keep the same directions, which
// never credit the account or a buyer more than the exact amount): collateral value floor, value
// x liquidationFactor floor, value -> base floor; discount factor floor, discounted price floor
// (so collateral out is at most one quantum more than with an exact price; see docs), collateral
// out floor. The liquidatability check values a negative base balance Down (debt never
// understated). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "backstop/money/fixed.h"

namespace backstop::liquidation {

struct CometCollateral {
  Quantity balance;  // >= 0
  int decimals = 0;
  Price price;
  Ratio liquidate_collateral_factor;  // LCF (liquidatability)
  Ratio liquidation_factor;           // LF (value credited on absorb)
};

struct CometAccount {
  Quantity base_balance;  // signed present value, base quanta
  int base_decimals = 0;
  Price base_price;
};

enum class CometError : uint8_t {
  kNone,
  kNotLiquidatable,      // Comet: NotLiquidatable
  kInvalidInput,         // price <= 0, negative collateral, factor out of [0, 1], bad decimals
  kNotForSale,           // reserves >= targetReserves
  kTooMuchSlippage,      // collateral out < minAmount
  kInsufficientReserves  // collateral out > collateral reserves
};

// liquidity_liq = value(base) + sum floor(value_i * LCF_i); liquidatable iff < 0.
[[nodiscard]] Value comet_liquidation_liquidity(const CometAccount& a,
                                                std::span<const CometCollateral> coll);

struct CometAbsorbResult {
  CometError error = CometError::kNone;
  Value delta_value;       // sum floor(floor(value_i) * LF_i): what the seized collateral credits
  Quantity delta_balance;  // delta_value in base quanta (floor)
  Quantity new_balance;    // max(0, old + delta_balance): excess becomes base supply
  Quantity base_paid_out;  // new_balance - old: what the reserves pay (Comet basePaidOut)
  Value value_of_base_paid_out;  // base_paid_out at the base price (floor)
  // Debt forgiven beyond the LF-credited collateral: max(0, -(old + delta_balance)).
  Quantity debt_absorbed_by_reserves;
  Value collateral_market_value;  // sum floor(value_i): what the protocol now holds
  [[nodiscard]] bool ok() const { return error == CometError::kNone; }
};

// absorbInternal for one account: every collateral balance is seized (all of it).
[[nodiscard]] CometAbsorbResult comet_absorb(const CometAccount& a,
                                             std::span<const CometCollateral> coll);

struct CometQuoteInput {
  Quantity base_amount;  // base paid by the buyer (>= 0)
  int base_decimals = 0;
  Price base_price;
  int asset_decimals = 0;
  Price asset_price;
  Ratio liquidation_factor;        // LF of the asset
  Ratio store_front_price_factor;  // market-wide, [0, 1]
};

// quoteCollateral: collateral quanta for base_amount at the store-front discount
// storeFrontPriceFactor x (1 - LF). nullopt on invalid input (price <= 0, factors out of range).
[[nodiscard]] std::optional<Quantity> comet_quote_collateral(const CometQuoteInput& q);

struct CometBuyInput {
  CometQuoteInput quote;
  Quantity min_amount;           // buyer's slippage bound, asset quanta
  Quantity reserves;             // signed protocol base reserves, base quanta
  Quantity target_reserves;      // base quanta
  Quantity collateral_reserves;  // seized collateral held by the protocol, asset quanta
};
struct CometBuyResult {
  CometError error = CometError::kNone;
  Quantity collateral_out;
  [[nodiscard]] bool ok() const { return error == CometError::kNone; }
};
[[nodiscard]] CometBuyResult comet_buy_collateral(const CometBuyInput& b);

}  // namespace backstop::liquidation
