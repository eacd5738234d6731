// File: liquidation/auction.h
// Maker / Sky Liquidations 2.0 in dss's own integer units, bit-exact with dss: Dog.bark (how
// much of a vault goes to auction), the Clipper Dutch auction (kick, status, redo, take) and the
// abaci price curves. Source: ../shared/reference/lending-protocols.md §3 (makerdao/dss
// src/{dog,clip,abaci}.sol @ fa4f6630).
//
// Units are dss's, held in Int256 (dss uses uint256; every value here is non-negative):
//   *_wad  1e18 fixed point: collateral amounts (ink, dink, lot, slice), normalised debt (art,
//          dart), chop, chip;
//   *_ray  1e27: rate, spot, prices (feed, top, current), buf, cut, cusp;
//   *_rad  1e45: DAI amounts (hole, Hole, dirt, Dirt, dust, tab, owe, tip, chost, coin).
// Helpers at the bottom convert from/to backstop's Quantity/Price/Ratio/Value with a named
// rounding. Every dss rounding is reproduced: wmul/rmul/rdiv and the `/` in bark and take floor;
// rpow rounds half up at each squaring and multiplication (abaci.sol), and reverts (here:
// OverflowError) when x >= 2^128 or a product overflows. Every dss `mul` is overflow-checked
// (OverflowError where dss would revert with an arithmetic error).
// Pure functions; a sale is a value the caller stores. Thread-safe.
#pragma once

#include <cstdint>

#include "backstop/money/fixed.h"
#include "backstop/money/wide.h"

namespace backstop::liquidation {

[[nodiscard]] const Int256& maker_wad();  // 1e18
[[nodiscard]] const Int256& maker_ray();  // 1e27
[[nodiscard]] const Int256& maker_rad();  // 1e45

enum class MakerError : uint8_t {
  kNone,
  kInvalidInput,         // negative amount, rate or chop < 1, zero step, ...
  kNotUnsafe,            // Dog/not-unsafe
  kLiquidationLimitHit,  // Dog/liquidation-limit-hit (Hole <= Dirt or hole <= dirt)
  kDustyPartial,         // Dog/dusty-auction-from-partial-liquidation
  kNullAuction,          // Dog/null-auction (dink == 0)
  kZeroTab,              // Clipper/zero-tab
  kZeroLot,              // Clipper/zero-lot
  kZeroTopPrice,         // Clipper/zero-top-price
  kNotRunning,           // Clipper/not-running-auction
  kNeedsReset,           // Clipper/needs-reset
  kCannotReset,          // Clipper/cannot-reset
  kTooExpensive,         // Clipper/too-expensive
  kNoPartialPurchase,    // Clipper/no-partial-purchase
  kZeroPrice,            // a take at price 0 would divide by zero (dss reverts)
};
[[nodiscard]] const char* to_string(MakerError e);

// ---- Dog.bark ----------------------------------------------------------------------------
struct MakerUrn {
  Int256 ink_wad;  // collateral
  Int256 art_wad;  // normalised debt
};
struct MakerIlk {
  Int256 rate_ray;  // accumulated stability fee (debt = art * rate)
  Int256 spot_ray;  // price / mat
  Int256 dust_rad;  // minimum vault debt
  Int256 chop_wad;  // liquidation penalty multiplier (>= 1)
  Int256 hole_rad;  // max DAI (tab) in auction for this ilk
  Int256 dirt_rad;  // DAI (tab) now in auction for this ilk
};
struct MakerDogGlobal {
  Int256 hole_rad;  // Hole
  Int256 dirt_rad;  // Dirt
};
struct MakerBarkResult {
  MakerError error = MakerError::kNone;
  Int256 dart_wad;      // normalised debt confiscated
  Int256 dink_wad;      // collateral sent to auction (the lot)
  Int256 due_rad;       // dart * rate: debt moved to the Vow's sin queue
  Int256 tab_rad;       // due * chop / WAD: what the auction tries to raise
  Int256 ilk_dirt_rad;  // dirt + tab
  Int256 dirt_rad;      // Dirt + tab
  [[nodiscard]] bool ok() const { return error == MakerError::kNone; }
};
[[nodiscard]] MakerBarkResult maker_bark(const MakerUrn& urn, const MakerIlk& ilk,
                                         const MakerDogGlobal& dog);

// ---- abaci price curves ----------------------------------------------------------------------
enum class MakerCurveKind : uint8_t { kLinearDecrease, kStairstepExponential, kExponential };
struct MakerCurve {
  MakerCurveKind kind = MakerCurveKind::kStairstepExponential;
  uint64_t tau = 0;   // LinearDecrease: seconds to zero
  Int256 cut_ray;     // exponential curves: multiplier per step / per second (<= RAY)
  uint64_t step = 1;  // StairstepExponentialDecrease: seconds per step (> 0)
};
// abaci rpow(x, n, b): x^n in base b, half-up rounding after every product.
[[nodiscard]] Int256 maker_rpow(const Int256& x, uint64_t n, const Int256& b);
// calc.price(top, dur).
[[nodiscard]] Int256 maker_curve_price(const MakerCurve& c, const Int256& top_ray, uint64_t dur);

// ---- Clipper ---------------------------------------------------------------------------------
struct MakerClipParams {
  Int256 buf_ray;     // start price = feed * buf
  uint64_t tail = 0;  // seconds before a reset is needed
  Int256 cusp_ray;    // price / top below this needs a reset
  Int256 chip_wad;    // keeper reward, fraction of tab
  Int256 tip_rad;     // keeper reward, flat
  Int256 chost_rad;   // dust * chop (wmul), see maker_chost
  MakerCurve curve;
};
[[nodiscard]] Int256 maker_chost(const Int256& dust_rad, const Int256& chop_wad);  // wmul

struct MakerSale {
  Int256 tab_rad;
  Int256 lot_wad;
  uint64_t tic = 0;  // start (or last reset) time, seconds
  Int256 top_ray;
  [[nodiscard]] bool running() const { return lot_wad > 0; }  // dss: usr != address(0)
};

struct MakerKickResult {
  MakerError error = MakerError::kNone;
  MakerSale sale;
  Int256 coin_rad;  // keeper incentive tip + wmul(tab, chip), minted via vat.suck (Vow debt)
  [[nodiscard]] bool ok() const { return error == MakerError::kNone; }
};
[[nodiscard]] MakerKickResult maker_kick(const Int256& tab_rad, const Int256& lot_wad,
                                         const Int256& feed_price_ray, uint64_t now,
                                         const MakerClipParams& p);

struct MakerStatus {
  bool needs_redo = false;  // now - tic > tail || rdiv(price, top) < cusp
  Int256 price_ray;
};
// Requires a running sale with now >= tic and top > 0 (otherwise needs_redo and price 0).
[[nodiscard]] MakerStatus maker_status(const MakerSale& s, uint64_t now, const MakerClipParams& p);

// redo: reset tic and top; the incentive is paid again only if tab >= chost and
// lot * feed >= chost.
[[nodiscard]] MakerKickResult maker_redo(const MakerSale& s, const Int256& feed_price_ray,
                                         uint64_t now, const MakerClipParams& p);

struct MakerTakeResult {
  MakerError error = MakerError::kNone;
  Int256 price_ray;          // auction price paid
  Int256 slice_wad;          // collateral bought
  Int256 owe_rad;            // DAI paid to the Vow
  MakerSale sale;            // the sale afterwards (lot 0 and tab 0 when it ended)
  Int256 lot_returned_wad;   // collateral returned to the vault owner (tab fully paid)
  Int256 tab_dropped_rad;    // tab left unpaid when the lot ran out (stays as Vow sin)
  Int256 dirt_released_rad;  // dog.digs amount: lot == 0 ? tab + owe : owe
  bool finished = false;     // the sale was removed
  [[nodiscard]] bool ok() const { return error == MakerError::kNone; }
};
// take(id, amt, max, ...): buy up to amt_wad of collateral at no more than max_ray.
[[nodiscard]] MakerTakeResult maker_take(const MakerSale& s, const Int256& amt_wad,
                                         const Int256& max_ray, uint64_t now,
                                         const MakerClipParams& p);

// ---- conversions from backstop units (exact where the scale grows) --------------------------
[[nodiscard]] Int256 maker_wad_from(Quantity q, int decimals);  // q * 10^(18 - decimals)
[[nodiscard]] Int256 maker_ray_from(Ratio r);                   // raw * 1e18
[[nodiscard]] Int256 maker_ray_from(Price p);                   // raw * 1e18
[[nodiscard]] Int256 maker_rad_from(Value v);                   // raw * 1e39
[[nodiscard]] Value maker_value_from_rad(const Int256& rad, Rounding r);
[[nodiscard]] Quantity maker_quantity_from_wad(const Int256& wad, int decimals, Rounding r);

}  // namespace backstop::liquidation
