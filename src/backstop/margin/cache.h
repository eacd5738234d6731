// File: margin/cache.h
// Per-asset and per-market constants that margin valuation needs, derived from State once per price
// or parameter change (O(assets + markets)), so that valuing an account touches only the account
// and these small flat tables. Immutable after construction; safe to share across threads.
#pragma once

#include <vector>

#include "backstop/model/state.h"

namespace backstop {

struct AssetCache {
  int decimals = 0;
  Price price{};
  Index supply_index = index_one();
  Index borrow_index = index_one();
  Ratio weight_initial{};
  Ratio weight_maint{};
  Ratio borrow_weight_initial = ratio_one();
  Ratio borrow_weight_maint = ratio_one();
  int128 value_den = 1;       // 10^(decimals + 3): value = qty * price / value_den
  bool price_usable = false;  // positive and fresh at State::now
  bool operator==(const AssetCache&) const = default;
};

struct TierCache {
  int128 floor_num = 0;  // notional floor * 10^K (same scale as position notional numerators)
  int64_t initial_rate = 0;
  int64_t maint_rate = 0;
  int128 initial_deduction9 = 0;  // quote quanta * 10^9 (exact)
  int128 maint_deduction9 = 0;
  int128 initial_deduction_num = 0;  // the same * 10^K (scale 10^(K + 9)), valid if deductions_fit
  int128 maint_deduction_num = 0;
  bool deductions_fit = true;
  bool operator==(const TierCache&) const = default;
};

struct MarketCache {
  int128 scale = 1;     // 10^(K - k), k = base_decimals + 9 - quote_decimals
  int128 mark_num = 0;  // mark * scale: notional numerator per base quantum
  std::vector<TierCache> tiers;
  // Largest |size| for which every perp product of this market provably fits the unchecked
  // int128 path (|size * mark_num| and |size * 2^40 * scale| <= 2^90); 0 disables it.
  int64_t safe_size = 0;
  Price mark{};
  Price funding_index{};
  AssetId quote = 0;
  bool price_usable = false;
  bool operator==(const MarketCache&) const = default;
};

struct MarginCache {
  int k = 0;               // common exponent: perp numerators are quote quanta * 10^k
  int128 pow_k = 1;        // 10^k
  int128 pow_k9 = 1;       // 10^(k + 9)
  int64_t safe_quote = 0;  // largest |position quote| with |quote * 10^K| <= 2^90
  Ratio upnl_weight_initial = ratio_one();
  Ratio upnl_weight_maint = ratio_one();
  std::vector<AssetCache> assets;
  std::vector<MarketCache> markets;
  bool operator==(const MarginCache&) const = default;
};

[[nodiscard]] MarginCache build_margin_cache(const State& s);
// The same into `c`, reusing its memory: c equals build_margin_cache(s) afterwards.
void rebuild_margin_cache(const State& s, MarginCache& c);

// Bounds of the unchecked perp path (see MarketCache::safe_size).
inline constexpr int kSafeBits = 90;
inline constexpr int64_t kSafeFunding = int64_t{1} << 40;  // |funding index delta| in price ticks
inline constexpr std::size_t kSafePositions = 64;
void set_safe_size(const MarginCache& c, MarketCache& m);

// The same cache with one price replaced (used by the liquidation-price solver and stress tests).
void override_asset_price(MarginCache& c, AssetId a, Price p);
void override_mark_price(MarginCache& c, MarketId m, Price p);

}  // namespace backstop
