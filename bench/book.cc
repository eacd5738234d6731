// Synthetic benchmark books; see book.h.
#include "book.h"

#include <algorithm>
#include <vector>

namespace backstop::bench {

const char* book_name(Book b) {
  return b == Book::Mixed ? "mixed" : "perp_only";
}

namespace {

using backstop::AssetId;
using backstop::int128;
using backstop::MarginAccount;
using backstop::MarketId;
using backstop::Price;
using backstop::Quantity;
using backstop::Ratio;

int128 pow10(int n) {
  return backstop::pow10_128(n);
}

Ratio ratio_bp(int64_t bp) {
  return Ratio::from_raw(bp * 100'000);
}  // basis points -> 10^-9
Price price_of(int64_t whole, int64_t nano) {
  return Price::from_raw(whole * 1'000'000'000 + nano);
}

}  // namespace

int64_t Rng::dollars() {
  return in(1, 999) * static_cast<int64_t>(pow10(static_cast<int>(in(0, 3))));
}

namespace {

// ------------------------------------------------------------------------------------------------
// Venue

struct AssetDef {
  const char* symbol;
  int decimals;
  Price price;
  int64_t w_init_bp, w_maint_bp;    // collateral weights
  int64_t bw_init_bp, bw_maint_bp;  // borrow weights
  bool borrowable;
  int64_t supply_index, borrow_index;  // 10^-12
};

const std::array<AssetDef, 8> kAssets = {{
    {"USDC", 6, price_of(1, 0), 8'700, 9'000, 10'000, 10'000, true, 1'031'250'000'000,
     1'052'614'000'000},
    {"USDT", 6, price_of(0, 999'800'000), 8'500, 8'800, 10'500, 10'200, true, 1'027'000'123'456,
     1'049'871'654'321},
    {"WETH", 9, price_of(3'001, 250'000'000), 8'000, 8'500, 11'000, 10'500, true, 1'004'210'000'000,
     1'019'990'000'000},
    {"WBTC", 8, price_of(65'010, 500'000'000), 7'500, 8'000, 11'000, 10'500, true,
     1'001'100'000'000, 1'008'770'000'000},
    {"SOL", 9, price_of(150, 123'400'000), 7'000, 8'000, 11'500, 10'800, true, 1'012'345'678'901,
     1'043'210'987'654},
    {"mSOL", 9, price_of(184, 770'000'000), 7'000, 7'500, 10'000, 10'000, false, 1'000'000'000'000,
     1'000'000'000'000},
    {"JUP", 6, price_of(0, 951'234'000), 7'000, 7'500, 10'000, 10'000, false, 1'000'000'000'000,
     1'000'000'000'000},
    {"BONK", 5, price_of(0, 25'123), 7'000, 7'000, 10'000, 10'000, false, 1'000'000'000'000,
     1'000'000'000'000},
}};

struct MarketDef {
  const char* symbol;
  int base_decimals;
  Price mark;
  Price funding_index;
  int tiers;  // 1..3
};

const std::array<MarketDef, 10> kMarkets = {{
    {"BTC-PERP", 8, price_of(65'020, 100'000'000), price_of(1'234, 567'000'000), 3},
    {"ETH-PERP", 9, price_of(3'002, 10'000'000), price_of(-87, 654'321'000), 3},
    {"SOL-PERP", 9, price_of(150, 98'760'000), price_of(3, 141'592'653), 3},
    {"DOGE-PERP", 6, price_of(0, 123'456'789), price_of(0, 7'654'321), 2},
    {"AVAX-PERP", 8, price_of(35, 500'000'000), price_of(-1, 250'000'000), 2},
    {"ARB-PERP", 6, price_of(1, 120'000'000), price_of(0, 33'000'000), 2},
    {"LINK-PERP", 8, price_of(14, 200'000'000), price_of(0, 420'000'000), 2},
    {"WIF-PERP", 6, price_of(2, 350'000'000), price_of(0, -98'000'000), 1},
    {"JUP-PERP", 6, price_of(0, 950'000'000), price_of(0, 12'000'000), 1},
    {"BONK-PERP", 5, price_of(0, 25'000), price_of(0, 1'234), 1},
}};

}  // namespace

void add_venue(backstop::State& s) {
  s.now = kNow;
  for (const AssetDef& d : kAssets) {
    backstop::AssetParams p;
    p.symbol = d.symbol;
    p.decimals = d.decimals;
    p.weight_initial = ratio_bp(d.w_init_bp);
    p.weight_maint = ratio_bp(d.w_maint_bp);
    p.borrow_weight_initial = ratio_bp(d.bw_init_bp);
    p.borrow_weight_maint = ratio_bp(d.bw_maint_bp);
    p.borrowable = d.borrowable;
    p.max_price_age_s = 60;
    backstop::AssetState st;
    st.price = d.price;
    st.price_time = kNow - 5;
    st.supply_index = backstop::Index::from_raw(d.supply_index);
    st.borrow_index = backstop::Index::from_raw(d.borrow_index);
    st.last_accrual = kNow - 5;
    s.add_asset(std::move(p), st);
  }
  // Tier floors in USDC quanta: $0, $250k, $2M; IM/MM 5%/2.5%, 10%/5%, 20%/10% (majors),
  // 10%/5% then 20%/10% (mid caps), a single 20%/10% bracket (small caps).
  const std::array<int64_t, 3> floors_usd = {0, 250'000, 2'000'000};
  for (const MarketDef& d : kMarkets) {
    backstop::PerpParams p;
    p.symbol = d.symbol;
    p.base_decimals = d.base_decimals;
    p.quote = 0;  // USDC
    p.max_price_age_s = 60;
    const int64_t first_im_bp = d.tiers == 3 ? 500 : d.tiers == 2 ? 1'000 : 2'000;
    for (int t = 0; t < d.tiers; ++t) {
      backstop::MarginTier tier;
      tier.notional_floor = Quantity::from_raw(floors_usd[static_cast<std::size_t>(t)] * 1'000'000);
      tier.initial_rate = ratio_bp(first_im_bp << t);
      tier.maint_rate = ratio_bp((first_im_bp << t) / 2);
      p.tiers.push_back(tier);
    }
    backstop::PerpState st;
    st.oracle = d.mark;
    st.mark = d.mark;
    st.price_time = kNow - 2;
    st.funding_index = d.funding_index;
    s.add_market(std::move(p), st);
  }
}

namespace {

// Native quanta of `asset` worth `usd` whole dollars: usd * 10^dec * 10^9 / price.
int64_t quanta_for_usd(const AssetDef& a, int64_t usd) {
  return static_cast<int64_t>(static_cast<int128>(usd) * pow10(a.decimals + 9) / a.price.raw());
}

// Picks `k` distinct values from `pool` (in place, partial Fisher-Yates), returns them sorted.
template <class T, std::size_t N>
std::vector<T> pick(Rng& rng, std::array<T, N> pool, std::size_t pool_size, std::size_t k) {
  for (std::size_t i = 0; i < k; ++i) {
    const auto j = static_cast<std::size_t>(
        rng.in(static_cast<int64_t>(i), static_cast<int64_t>(pool_size) - 1));
    std::swap(pool[i], pool[j]);
  }
  std::vector<T> out(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(k));
  std::sort(out.begin(), out.end());
  return out;
}

backstop::PerpPosition make_position(Rng& rng, MarketId m, int64_t notional_usd) {
  const MarketDef& d = kMarkets[m];
  const int128 mark = d.mark.raw();
  // size = notional * 10^base * 10^9 / mark, at least one quantum; random side.
  int128 size = static_cast<int128>(notional_usd) * pow10(d.base_decimals + 9) / mark;
  if (size == 0) size = 1;
  if (rng.in(0, 1) == 1) size = -size;
  // Entry within +-10% of the mark; quote = -size * entry / 10^(base + 9 - 6) (USDC quanta).
  const int128 entry = mark * (10'000 + rng.in(-1'000, 1'000)) / 10'000;
  const int128 quote = -size * entry / pow10(d.base_decimals + 3);
  // Funding settled some time ago: snapshot up to ~0.5% of the mark behind (or equal).
  const int64_t behind =
      rng.in(0, 3) == 0 ? 0 : static_cast<int64_t>(mark * rng.in(0, 50) / 10'000);
  backstop::PerpPosition p;
  p.market = m;
  p.size = Quantity::from_raw(static_cast<int64_t>(size));
  p.quote = Quantity::from_raw(static_cast<int64_t>(quote));
  p.funding_snapshot = Price::from_raw(d.funding_index.raw() - behind);
  return p;
}

}  // namespace

void fill_account(Rng& rng, Book kind, MarginAccount& a) {
  struct Bal {
    AssetId asset;
    int64_t scaled;
  };
  std::vector<Bal> bals;
  std::vector<MarketId> markets;
  int64_t collateral_usd = 0;
  int64_t leverage_pct = 0;  // total perp notional / collateral, percent
  if (kind == Book::Mixed) {
    const auto nb = static_cast<std::size_t>(rng.in(0, 3));
    const auto nc = static_cast<std::size_t>(rng.in(1, 4));
    const auto np = static_cast<std::size_t>(rng.in(0, 5));
    const std::array<AssetId, 5> borrowable = {0, 1, 2, 3, 4};
    const std::vector<AssetId> borrows = pick(rng, borrowable, borrowable.size(), nb);
    std::array<AssetId, 8> rest{};
    std::size_t nrest = 0;
    for (AssetId id = 0; id < kAssets.size(); ++id) {
      if (std::find(borrows.begin(), borrows.end(), id) == borrows.end()) rest[nrest++] = id;
    }
    for (AssetId id : pick(rng, rest, nrest, nc)) {
      const int64_t usd = rng.dollars();
      collateral_usd += usd;
      const AssetDef& d = kAssets[id];
      const int64_t q = quanta_for_usd(d, usd);
      bals.push_back(
          {id, std::max<int64_t>(1, static_cast<int64_t>(static_cast<int128>(q) *
                                                         1'000'000'000'000 / d.supply_index))});
    }
    // Borrow 0-95% of the collateral value in total, split evenly.
    const int64_t borrow_usd =
        nb == 0 ? 0 : collateral_usd * rng.in(0, 95) / 100 / static_cast<int64_t>(nb);
    for (AssetId id : borrows) {
      const AssetDef& d = kAssets[id];
      const int64_t q = quanta_for_usd(d, std::max<int64_t>(1, borrow_usd));
      bals.push_back(
          {id, -std::max<int64_t>(1, static_cast<int64_t>(static_cast<int128>(q) *
                                                          1'000'000'000'000 / d.borrow_index))});
    }
    const std::array<MarketId, 10> all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    markets = pick(rng, all, all.size(), np);
    leverage_pct = rng.in(0, 600);
  } else {
    collateral_usd = rng.dollars();
    const int64_t q = quanta_for_usd(kAssets[0], collateral_usd);
    bals.push_back({0, static_cast<int64_t>(static_cast<int128>(q) * 1'000'000'000'000 /
                                            kAssets[0].supply_index)});
    const std::array<MarketId, 10> all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    markets = pick(rng, all, all.size(), static_cast<std::size_t>(rng.in(1, 4)));
    leverage_pct = rng.in(10, 1'200);
  }
  std::sort(bals.begin(), bals.end(), [](const Bal& x, const Bal& y) { return x.asset < y.asset; });
  if (bals.size() > 4) a.balances.reserve(bals.size());
  for (const Bal& b : bals) a.balances.push_back(backstop::TokenBalance{b.asset, b.scaled});
  if (!markets.empty()) {
    const int64_t per_market = std::max<int64_t>(
        1, collateral_usd * leverage_pct / 100 / static_cast<int64_t>(markets.size()));
    if (markets.size() > 4) a.positions.reserve(markets.size());
    for (MarketId m : markets) a.positions.push_back(make_position(rng, m, per_market));
  }
}

}  // namespace backstop::bench
