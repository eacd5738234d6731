// File: monitor/band.h
// The safety band of one account: how far each of its driving prices may move before the sign of
// its maintenance excess can change. Pure functions of (MarginCache, MarginAccount); thread-safe.
//
// A "source" is one number the valuation reads from the cache: an asset's oracle price, its supply
// or borrow index, or a perp market's mark. Every maintenance term is a product of at most two
// sources (amount(scaled, index) x price; size x mark x quote price), so for relative moves
// eps_s = (v_s - v0_s) / v0_s with |eps_s| <= 1/10 the real-valued excess moves toward zero by at
// most
//     sum_s C_s(sign eps_s) |eps_s|        (C_s(-) = down, C_s(+) = up: rates, docs/monitor.md)
// The exact valuation's roundings differ from the real value by at most S, so the sign of the
// exact excess E cannot change while that sum is <= room = |E| - 2S - 1.
//
// The room is shared out as follows. Interest indexes move slowly and together; normally they get
// a fixed relative allowance kIndexAllowance (the monitor rescans everyone when an index leaves its
// epoch band, see monitor.h) and no edges. What is left (R) is shared between the price sources
// (asset prices and marks) in proportion to sqrt(sigma_s C_s), C_s = max(down, up) and sigma_s the
// source's volatility (equal unless told, compute_band): budget_s = R * w_s / sum w_j, width_down =
// floor(v0_s * budget_s / down) and width_up likewise, capped at v0_s / 10. An account whose index
// allowance would take more than half its room is "fragile": its index sources get widths (and
// edges) like prices and all sources share the room.
//
// The split is only a way to place edges. The inequality itself can be checked directly (the
// monitor's screen): with solo_down = floor(v0_s * room / down), capped at v0_s / 10 (and solo_up),
//     sum_s |v_s - v0_s| / solo_s(side of the move) <= 1   (over all sources, indexes included)
// implies the sum above is <= room, so the sign is unchanged. The index terms may be replaced by
// any upper bound of sum_idx C_idx |eps_idx| / room, e.g. index_sensitivity x (largest index move).
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <optional>
#include <span>

#include "backstop/margin/cache.h"

namespace backstop {

using SourceId = uint32_t;

// Dense numbering of the sources of a cache: [asset prices][supply indexes][borrow indexes][marks].
struct SourceLayout {
  uint32_t assets = 0;
  uint32_t markets = 0;
  [[nodiscard]] uint32_t count() const { return 3 * assets + markets; }
  [[nodiscard]] SourceId price(AssetId a) const { return a; }
  [[nodiscard]] SourceId supply_index(AssetId a) const { return assets + a; }
  [[nodiscard]] SourceId borrow_index(AssetId a) const { return 2 * assets + a; }
  [[nodiscard]] SourceId mark(MarketId m) const { return 3 * assets + m; }
  [[nodiscard]] bool is_index(SourceId s) const { return s >= assets && s < 3 * assets; }
};

[[nodiscard]] SourceLayout source_layout(const MarginCache& c);
// The current raw value of a source (Price or Index raw units).
[[nodiscard]] int64_t source_value(const MarginCache& c, const SourceLayout& l, SourceId s);

// Largest relative move any band allows (the sensitivity bound assumes |eps| <= 1/10).
inline constexpr int64_t kMaxBandMove = kRatioOne / 10;
// Largest relative move of a price source for which the rates of a band that is not `narrow`
// hold while every interest index stays within kIndexAllowance of its value (a price schedule's
// bands: the monitor's epochs bound the indexes; docs/monitor.md, "Wide bands").
inline constexpr int64_t kWideBandMove = kRatioOne / 2;
// Relative move of an interest index (from its value at evaluation) that every non-fragile band
// absorbs: 0.11%, i.e. twice the monitor's epoch half-width of 0.05% plus margin.
inline constexpr int64_t kIndexAllowance = 1'100'000;  // Ratio raw units (10^-9)
inline constexpr int64_t kIndexEpochMove = 500'000;    // 0.05%

// Rates are in micro-dollars per unit relative move (rounded up) and bound how fast the real excess
// can move toward zero (down for a safe account, up for an unsafe one) while the source falls
// (`down`) or rises (`up`); a deposit's price, for instance, has its full rate on the fall and
// only a cross-term rate on the rise (docs/monitor.md, "Directional rates").
// net_down / net_up are signed rates, same units: the most the excess can move toward zero per
// unit relative fall / rise of the source, negative when it must move away from zero by at least
// that much (a long's rise, a deposit's rise for a safe account). Unlike down / up they may be
// summed with cancellation across sources: while every price source stays within 1/10 of v0,
// the real-valued excess moves toward zero by at most sum_s net_s(side) |eps_s| (docs/monitor.md,
// "Signed rates"). For the interest indexes, and unless compute_band is asked for_schedule, they
// equal down / up.
struct Driver {
  SourceId source = 0;
  int128 sensitivity = 0;  // C_s = max(down, up): index allowance and budget weights
  int128 down = 0;         // rate of a fall
  int128 up = 0;           // rate of a rise
  int128 net_down = 0;     // signed rate of a fall (<= down)
  int128 net_up = 0;       // signed rate of a rise (<= up)
  int64_t value = 0;       // v0_s, raw source value at evaluation
  int64_t width_down = 0;  // allowed fall v0 - v (raw units); unused for the indexes of a
  int64_t width_up = 0;    // non-fragile band (epoch rule); likewise the allowed rise
  int64_t solo_down = 0;   // allowed fall if no other source moved: floor(v0 * room / down),
  int64_t solo_up = 0;     // capped at v0 / 10 (the cap for a rate of 0); likewise for a rise.
                           // 0 when value <= 0 or room <= 0.
};

struct Band {
  Value excess{};    // maint_excess(c, a), exact
  int128 slack = 0;  // S, micro-dollars, rounded up
  int128 room = 0;   // |E| - 2S - 1 (may be <= 0)
  int128 rest = 0;  // what the sharing sources share: room, less the index allowance unless fragile
  int128 index_sensitivity = 0;  // sum of C_s over the index sources
  bool fragile = false;          // index sources carry edges (see above)
  // A perp quote price that is not pinned is one of the sources: its rate bounds the cross term
  // of a mark move of at most 1/10 only. Without one every rate is a bound for price moves of up
  // to kWideBandMove: a balance's T'/T = (1 + eps_i)(1 + eps_p) with |eps_i| <= kIndexAllowance
  // keeps the 1.05 T rise and 0.9 T gain for any |eps_p| <= 1/2; a mark moves PnL linearly and
  // the margin and the PnL weighting along slopes within [r_min, r_max] and [w_lo, w'] at any
  // notional; and a quantum stays worth at most twice its price at evaluation (the slack).
  bool narrow = false;
  boost::container::small_vector<Driver, 8> drivers;  // sorted by source, unique
};

// Volatility of each source for sharing the room, as log2 of a relative scale: budgets go as
// sqrt(volatility x rate). Every choice is sound; it only decides which edges are crossed first.
// A source the caller knows to be constant (a pegged quote that no path moves) can be given 0,
// 2^-20 of the default.
inline constexpr uint8_t kDefaultLog2Volatility = 20;
inline constexpr uint8_t kMaxLog2Volatility = 40;

// log2_vol: indexed by SourceId; missing entries (or an empty span) take the default.
// excess: the account's maint_excess(c, a) when the caller has just computed it (the monitor's
// exact valuations), so that it is not computed twice; it must be that value exactly (debug
// builds check it and throw std::logic_error otherwise).
// pinned: indexed by SourceId, non-zero for a price source (asset price or mark; ignored for an
// index) that the caller guarantees to re-evaluate the account for if it moves at all (the
// monitor's pinned sources, monitor.h). Such a source shares no room: its widths are 0 and the
// room goes to the others. Its rates and solo limits are computed as for any source, except that
// a pinned perp quote gets no rate from its perp group (the |X| + 0.1 N exposure, the costliest
// term of a perp band): the monitor reads no pinned source's rates or limits. Its driver then
// carries only the rates of the account's own balances of that asset, if any.
// for_schedule: the band of a price schedule (monitor.h, set_schedule): the signed rates are
// computed (otherwise they equal down / up: sound, with no gain) and every width is left 0
// (share_room computes them later if the band gets edges after all); the rates, solo limits,
// room and rest are the same either way.
[[nodiscard]] Band compute_band(const MarginCache& c, const SourceLayout& l, const MarginAccount& a,
                                std::span<const uint8_t> log2_vol = {},
                                std::optional<Value> excess = std::nullopt,
                                std::span<const uint8_t> pinned = {}, bool for_schedule = false);
// Shares b.rest between its sources (the widths; compute_band does it unless for_schedule).
void share_room(Band& b, const SourceLayout& l, std::span<const uint8_t> log2_vol = {},
                std::span<const uint8_t> pinned = {});

// Whether `pinned` pins source s (a price source with a non-zero entry).
[[nodiscard]] inline bool is_pinned(std::span<const uint8_t> pinned, const SourceLayout& l,
                                    SourceId s) {
  return s < pinned.size() && pinned[s] != 0 && !l.is_index(s);
}

}  // namespace backstop
