// File: waterfall/plan.h
// Loss waterfall plan: which layer absorbs how much of one deficit, in a configured order.
// Pure functions of their arguments; no I/O; thread-safe. The caller owns every struct, applies the
// remaining collateral of the bankrupt account BEFORE planning, and then realises the steps
// (fund payout, slash, mutualization via mutualize.h, ADL via adl.h, recap debt claim).
//
// Units: `Deficit::amount` and every layer amount are native quanta of the deficit's asset;
// `Deficit::value` is its USD Value, carried along and split over the steps exactly:
//   step_value(i) = floor(V * C_i / D) - floor(V * C_{i-1} / D),  C_i = amount of steps 0..i,
//   left_value    = V - floor(V * C_n / D)
// so the step values and left_value sum to V exactly and each is within one micro-dollar of its
// pro-rata share (floor of cumulative shares; deterministic).
//
// Layers (docs/waterfall.md; perp-venues.md (e), lending-protocols.md (e) item 1):
//   InsuranceFund  insurance_available(fund, deficit.market)       fund.h
//   StakedTranche  slash_available(tranche)                        fund.h
//   Mutualization  mutualization_limit (none = unlimited, 0 = not possible, e.g. OI = 0)
//   Adl            adl_limit (none = unlimited; the caller bounds it by the opposite OI's capacity)
//   RecapDebt      unlimited: Maker flop-style, mints a recorded claim (lending §3)
// Invariants (tests/waterfall_plan_test.cc): layers are used strictly in the given order (a layer
// gets a non-zero amount only when every earlier layer is at its limit); Σ steps + left == deficit;
// left == 0 whenever RecapDebt is in the order; the fund never drops below its minimum.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "backstop/waterfall/fund.h"

namespace backstop {

enum class Layer : uint8_t { InsuranceFund, StakedTranche, Mutualization, Adl, RecapDebt };

[[nodiscard]] const char* layer_name(Layer l);

// The default order: fund, stakers, mutualization, ADL, recap debt.
[[nodiscard]] std::span<const Layer> default_layer_order();

struct Deficit {
  Quantity amount{};               // >= 0, native quanta of the deficit asset
  Value value{};                   // >= 0, USD value of `amount` (caller's price)
  std::optional<MarketId> market;  // for the fund's per-market cap; none for a spot/lending deficit
};

struct WaterfallResources {
  InsuranceFund fund;
  StakedTranche stake;
  std::optional<Quantity> mutualization_limit = Quantity{};  // none = unlimited; default: off
  std::optional<Quantity> adl_limit = Quantity{};            // none = unlimited; default: off
};

struct WaterfallStep {
  Layer layer = Layer::InsuranceFund;
  Quantity amount{};  // > 0 (layers that absorb nothing are not listed)
  Value value{};
};

struct WaterfallPlan {
  std::vector<WaterfallStep> steps;  // in layer order
  Quantity left{};                   // not absorbed by any layer (0 when RecapDebt is in the order)
  Value left_value{};
};

// What `layer` could absorb now (RecapDebt: none = unlimited).
[[nodiscard]] std::optional<Quantity> layer_capacity(Layer layer, const WaterfallResources& r,
                                                     std::optional<MarketId> market);

// Plans `d` over the layers in `order`. Throws std::invalid_argument on a negative deficit or
// value, a value without an amount, a layer listed twice, or invalid resources (fund.h).
[[nodiscard]] WaterfallPlan plan_waterfall(const Deficit& d, const WaterfallResources& r,
                                           std::span<const Layer> order = default_layer_order());

// The resources after the plan's fund payout and slash (and with the mutualization / ADL limits
// reduced by what the plan used). Throws std::invalid_argument if the plan does not fit them.
[[nodiscard]] WaterfallResources apply_plan(WaterfallResources r, const Deficit& d,
                                            const WaterfallPlan& p);

}  // namespace backstop
