#include "backstop/margin/compact.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

#include "backstop/margin/compact_div.h"
#include "backstop/margin/risk.h"

namespace backstop {
namespace {

// Bounds. Every per-position perp term the kernel adds (size * adj, size * mark_num * rate and the
// deduction) and the account carry stay below 2^kTermBits in magnitude. Then the PnL numerator
// (carry + at most 4 terms) is below 5 * 2^124 < 2^127 and the margin numerator (at most 4 terms
// |n * rate - deduction| < 2^125) below 2^127: no int128 overflow. Funding indexes and
// snapshots stay within 2^62 so that funding_index - snapshot cannot overflow int64 (where
// maint_excess would throw). Values handed to Value arithmetic stay within 2^60, so that the
// handful of checked Value additions in maint_excess cannot overflow either.
static_assert(kCompactMaxPositions <= 4, "the bounds below assume at most 4 positions");
constexpr int kTermBits = 124;
constexpr int64_t kPriceLimit = int64_t{1} << 62;
constexpr int64_t kValueLimit = int64_t{1} << 60;
constexpr std::size_t kMaxTiers = 4;
constexpr std::size_t kMaxIds = 255;  // ids stored as uint8_t; 255 is kCompactNoQuote

int bit_length(uint128 x) {
  const auto hi = static_cast<uint64_t>(x >> 64);
  const auto lo = static_cast<uint64_t>(x);
  if (hi != 0) return 128 - __builtin_clzll(hi);
  return lo == 0 ? 0 : 64 - __builtin_clzll(lo);
}

uint128 magnitude(int128 x) {
  return x < 0 ? static_cast<uint128>(0) - static_cast<uint128>(x) : static_cast<uint128>(x);
}

bool in_value_range(int64_t v) {
  return v >= -kValueLimit && v <= kValueLimit;
}

// The divisors are compile-time constants: 10^9 and 10^12 always, 10^K and the two margin steps
// through a kernel instantiated per K (0..kMaxK; 10^18 < 2^62 is the largest InvariantDivisor).
constexpr int kMaxK = 18;
constexpr InvariantDivisor kRatioDiv{static_cast<uint64_t>(kRatioOne)};
constexpr InvariantDivisor kIndexDiv{static_cast<uint64_t>(kIndexOne)};

template <int K>
struct Powers {
  static constexpr int kA = std::min(K + kRatioDecimals, 18);
  static constexpr InvariantDivisor pow_k{static_cast<uint64_t>(pow10_128(K))};
  static constexpr InvariantDivisor margin_a{static_cast<uint64_t>(pow10_128(kA))};  // 10^a
  static constexpr InvariantDivisor margin_b{
      static_cast<uint64_t>(pow10_128(K + kRatioDecimals - kA))};  // 10^(K + 9 - a)
};

// Per market and tick.
struct alignas(64) MarketRow {
  std::array<int128, kMaxTiers> floor{};   // floor_num; [0] unused; kInt128Max pads missing tiers
  std::array<int128, kMaxTiers> ded{};     // maint_deduction_num
  std::array<uint64_t, kMaxTiers> rate{};  // maint_rate (>= 0, else the market falls back)
  int64_t adj = 0;                         // (mark - funding_index) * scale
  uint64_t mark_abs = 0;                   // |mark * scale|
  uint64_t size_max = 0;                   // |size| bound proving every term < 2^kTermBits
  uint8_t bad = 1;                         // positions in this market fall back
};

// Per asset and tick: usd_of, supplied_amount and the maintenance weight.
struct AssetRow {
  int64_t supply_index = kIndexOne;
  int64_t price = 0;
  int64_t weight = kRatioOne;
  InvariantDivisor value_den;
  bool index_one = true;
  bool par = true;
  bool weight_one = true;
  bool bad = true;
};

struct Tables {
  std::vector<MarketRow> markets;
  std::array<AssetRow, kMaxIds + 1> assets{};  // [kCompactNoQuote] is a par placeholder
  int64_t upnl_weight = kRatioOne;
  bool upnl_one = true;
};

// usd_of(q, asset, r) for a quantity |q| <= 2^60.
template <Rounding R>
int64_t usd(int64_t q, const AssetRow& a, bool& ok) {
  if (a.par) return q;
  const int128 p = static_cast<int128>(q) * a.price;
  return R == Rounding::Down ? a.value_den.floor_div(p, ok) : a.value_den.ceil_div(p, ok);
}

// apply_ratio(v, w, Down) for |v| <= 2^60.
int64_t weigh(int64_t v, int64_t w, bool one, bool& ok) {
  if (one) return v;
  return kRatioDiv.floor_div(static_cast<int128>(v) * w, ok);
}

Tables make_tables(const MarginCache& c) {
  Tables t;
  t.markets.resize(std::min(c.markets.size(), kMaxIds));
  for (std::size_t a = 0; a < std::min(c.assets.size(), kMaxIds); ++a) {
    const AssetCache& ac = c.assets[a];
    AssetRow& r = t.assets[a];
    r.supply_index = ac.supply_index.raw();
    r.index_one = r.supply_index == kIndexOne;
    r.price = ac.price.raw();
    r.par = static_cast<int128>(ac.price.raw()) == ac.value_den;
    r.weight = ac.weight_maint.raw();
    r.weight_one = r.weight == kRatioOne;
    r.bad = false;
    if (!r.par) {
      if (ac.value_den > 0 && ac.value_den < (int128{1} << 62)) {
        r.value_den = InvariantDivisor(static_cast<uint64_t>(ac.value_den));
      } else {
        r.bad = true;
      }
    }
  }
  t.assets[kCompactNoQuote].bad = false;  // par placeholder for accounts without positions
  t.upnl_weight = c.upnl_weight_maint.raw();
  t.upnl_one = t.upnl_weight == kRatioOne;
  if (c.k < 0 || c.k > kMaxK) return t;  // every market stays bad
  for (std::size_t i = 0; i < t.markets.size(); ++i) {
    const MarketCache& m = c.markets[i];
    MarketRow& r = t.markets[i];
    const int64_t mark = m.mark.raw();
    const int64_t fidx = m.funding_index.raw();
    if (m.tiers.size() > kMaxTiers || m.quote >= kMaxIds || t.assets[m.quote].bad) continue;
    if (mark > kPriceLimit || mark < -kPriceLimit || fidx > kPriceLimit || fidx < -kPriceLimit) {
      continue;
    }
    const int128 adj = (static_cast<int128>(mark) - fidx) * m.scale;  // |.| < 2^63 * 2^62
    if (m.scale <= 0 || m.scale > (int128{1} << 62) || adj != static_cast<int64_t>(adj) ||
        m.mark_num != static_cast<int64_t>(m.mark_num)) {
      continue;
    }
    r.adj = static_cast<int64_t>(adj);
    r.mark_abs = static_cast<uint64_t>(magnitude(m.mark_num));
    int rate_bits = 0;
    bool ok = true;
    r.floor.fill(kInt128Max);
    for (std::size_t ti = 0; ti < m.tiers.size(); ++ti) {
      const TierCache& tc = m.tiers[ti];
      ok = ok && tc.deductions_fit && bit_length(magnitude(tc.maint_deduction_num)) <= kTermBits &&
           tc.maint_rate >= 0;
      r.floor[ti] = tc.floor_num;
      r.rate[ti] = static_cast<uint64_t>(std::max<int64_t>(tc.maint_rate, 0));
      r.ded[ti] = tc.maint_deduction_num;
      rate_bits = std::max(rate_bits, bit_length(magnitude(tc.maint_rate)));
    }
    if (!ok) continue;
    // No tiers: maint_excess adds no margin; rate 0 and deduction 0 give the same 0.
    // |size| < 2^s with s + bits(adj) <= 124 and s + bits(mark_num) + bits(rate) <= 124.
    const int mark_bits = bit_length(r.mark_abs);
    const int used = std::max(bit_length(magnitude(r.adj)), mark_bits + rate_bits);
    const int s = std::min(kTermBits - used, 63);
    if (s <= 0) continue;
    r.size_max = (uint64_t{1} << s) - 1;
    r.bad = 0;
  }
  return t;
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// CompactBook

void CompactBook::learn_markets(const MarginCache& c) {
  if (layout_.scale.empty() && layout_.quote.empty()) layout_.k = c.k;
  if (!matches(c)) {
    throw std::invalid_argument("CompactBook: market layout changed (K, scale or quote); rebuild");
  }
  for (std::size_t i = layout_.scale.size(); i < c.markets.size(); ++i) {
    layout_.scale.push_back(c.markets[i].scale);
    layout_.quote.push_back(c.markets[i].quote);
  }
}

bool CompactBook::matches(const MarginCache& c) const {
  if (c.k != layout_.k || c.markets.size() < layout_.scale.size()) return false;
  for (std::size_t i = 0; i < layout_.scale.size(); ++i) {
    if (c.markets[i].scale != layout_.scale[i] || c.markets[i].quote != layout_.quote[i]) {
      return false;
    }
  }
  return true;
}

// Fills header h (and the position slots from `first`) for account a; h.slow = 1 when the kernel
// cannot value it. Slots [first, first + a.positions.size()) must exist when it is handled.
void CompactBook::fill(CompactAccount& h, const MarginAccount& a, const MarginCache& c,
                       uint32_t first) {
  h = CompactAccount{};
  h.first = first;
  h.quote = kCompactNoQuote;
  bool slow = a.positions.size() > kCompactMaxPositions || a.balances.size() > 1;
  if (!slow && a.balances.size() == 1) {
    const TokenBalance& b = a.balances[0];
    if (b.scaled < 0 || b.asset >= kMaxIds || b.asset >= c.assets.size()) {
      slow = true;
    } else {
      h.deposit = b.scaled;  // 0: skipped by maint_excess, contributes 0 here
      h.asset = static_cast<uint8_t>(b.asset);
    }
  }
  int128 carry = 0;
  for (std::size_t i = 0; !slow && i < a.positions.size(); ++i) {
    const PerpPosition& p = a.positions[i];
    if (p.market >= kMaxIds || p.market >= c.markets.size()) {
      slow = true;
      break;
    }
    const MarketCache& m = c.markets[p.market];
    if (m.quote >= kMaxIds || (h.quote != kCompactNoQuote && m.quote != h.quote)) {
      slow = true;
      break;
    }
    h.quote = static_cast<uint8_t>(m.quote);
    const int64_t snap = p.funding_snapshot.raw();
    int128 q = 0;
    int128 f = 0;
    slow = snap > kPriceLimit || snap < -kPriceLimit ||
           __builtin_mul_overflow(static_cast<int128>(p.quote.raw()), c.pow_k, &q) ||
           __builtin_mul_overflow(static_cast<int128>(p.size.raw()) * snap, m.scale, &f) ||
           __builtin_add_overflow(carry, q, &carry) || __builtin_add_overflow(carry, f, &carry);
  }
  if (!slow && bit_length(magnitude(carry)) > kTermBits) slow = true;
  if (slow) {
    h = CompactAccount{};
    h.first = first;
    h.slow = 1;
    h.quote = kCompactNoQuote;
    return;
  }
  h.carry = carry;
  h.count = static_cast<uint8_t>(a.positions.size());
  for (std::size_t i = 0; i < a.positions.size(); ++i) {
    sizes_[first + i] = a.positions[i].size.raw();
    markets_[first + i] = static_cast<uint8_t>(a.positions[i].market);
  }
}

CompactBook::CompactBook(const MarginCache& c, std::span<const MarginAccount> accounts) {
  learn_markets(c);
  accounts_.resize(accounts.size());
  capacity_.resize(accounts.size());
  std::size_t slots = 0;
  for (const MarginAccount& a : accounts) {
    slots += a.positions.size() <= kCompactMaxPositions ? a.positions.size() : 0;
  }
  if (slots > UINT32_MAX) throw std::length_error("CompactBook: more than 2^32 positions");
  sizes_.resize(slots);
  markets_.resize(slots);
  uint32_t next = 0;
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    const MarginAccount& a = accounts[i];
    const auto n =
        static_cast<uint32_t>(a.positions.size() <= kCompactMaxPositions ? a.positions.size() : 0);
    fill(accounts_[i], a, c, next);
    capacity_[i] = static_cast<uint8_t>(n);
    next += n;
    slow_ += accounts_[i].slow;
  }
}

void CompactBook::update(AccountId id, const MarginAccount& a, const MarginCache& c) {
  learn_markets(c);
  if (id > accounts_.size()) throw std::out_of_range("CompactBook::update: account id");
  if (id == accounts_.size()) {
    accounts_.emplace_back();
    accounts_.back().slow = 1;
    capacity_.push_back(0);
    ++slow_;
  }
  CompactAccount& h = accounts_[id];
  slow_ -= h.slow;
  uint32_t first = h.first;
  const std::size_t need = a.positions.size();
  if (need <= kCompactMaxPositions && need > capacity_[id]) {
    // Grow: move to fresh slots at the end (room for the maximum, so it moves at most once).
    if (sizes_.size() + kCompactMaxPositions > UINT32_MAX) {
      throw std::length_error("CompactBook: more than 2^32 positions");
    }
    garbage_ += capacity_[id];
    first = static_cast<uint32_t>(sizes_.size());
    sizes_.resize(sizes_.size() + kCompactMaxPositions);
    markets_.resize(markets_.size() + kCompactMaxPositions);
    capacity_[id] = static_cast<uint8_t>(kCompactMaxPositions);
  }
  fill(h, a, c, first);
  slow_ += h.slow;
}

// ------------------------------------------------------------------------------------------------
// Kernel

namespace {

// maint_excess of a handled account, or ok = false (the caller then runs maint_excess).
template <int K>
inline int64_t value_one(const Tables& t, const CompactAccount& h, const int64_t* sizes,
                         const uint8_t* markets, bool& ok) {
  // Balance: supplied_amount -> usd_of (Down) -> apply_ratio(weight_maint, Down).
  const AssetRow& da = t.assets[h.asset];
  int64_t wc = 0;
  if (h.deposit != 0) {
    ok = ok && !da.bad;
    int64_t q = h.deposit;
    if (!da.index_one) q = kIndexDiv.floor_div(static_cast<int128>(q) * da.supply_index, ok);
    ok = ok && in_value_range(q);
    const int64_t v = usd<Rounding::Down>(q, da, ok);
    ok = ok && in_value_range(v);
    wc = weigh(v, da.weight, da.weight_one, ok);
    ok = ok && in_value_range(wc);
  }
  if (h.count == 0) return wc;
  // Positions: pnl at 10^K, margin at 10^(K+9).
  // Accumulated mod 2^128 (unsigned: wrapping is defined). Whenever ok stays true the bounds
  // above make every true sum < 2^125, so the wrapped value is the exact one.
  auto pnl = static_cast<uint128>(h.carry);
  uint128 mm = 0;
  uint8_t bad = 0;
  for (uint32_t i = 0; i < h.count; ++i) {
    const int64_t size = sizes[h.first + i];
    const MarketRow& m = t.markets[markets[h.first + i]];
    bad |= m.bad;
    const uint64_t mag =
        size < 0 ? uint64_t{0} - static_cast<uint64_t>(size) : static_cast<uint64_t>(size);
    bad |= static_cast<uint8_t>(mag > m.size_max);
    pnl += static_cast<uint128>(static_cast<int128>(size) * m.adj);  // 64x64: cannot overflow
    // notional |size * mark * scale| = |size| * |mark_num|: one unsigned 64x64 multiply
    const uint128 nu = static_cast<uint128>(mag) * m.mark_abs;
    const auto n = static_cast<int128>(nu);  // < 2^126 (the bound) or mod 2^128 when bad
    std::size_t ti = 0;
    ti = n >= m.floor[1] ? 1 : ti;
    ti = n >= m.floor[2] ? 2 : ti;
    ti = n >= m.floor[3] ? 3 : ti;
    mm += nu * m.rate[ti] - static_cast<uint128>(m.ded[ti]);  // 128x64: two multiplies
  }
  ok = ok && bad == 0;
  const AssetRow& qa = t.assets[h.quote];
  ok = ok && !qa.bad;
  int64_t pnl_q = Powers<K>::pow_k.floor_div(static_cast<int128>(pnl), ok);
  ok = ok && in_value_range(pnl_q);
  pnl_q = usd<Rounding::Down>(pnl_q, qa, ok);
  ok = ok && in_value_range(pnl_q);
  // ceil(mm / 10^(K+9)) in two steps, ceil(ceil(mm / 10^a) / 10^b) with a + b = K + 9 (equal for
  // positive divisors); a = min(K + 9, 18) keeps the intermediate within 64 bits for any margin
  // below 2^63 / 10^b quote quanta. Same value as maint_excess's ceil(ceil(mm / 10^K) / 10^9).
  const int64_t mm_a = Powers<K>::margin_a.ceil_div(static_cast<int128>(mm), ok);
  int64_t margin = Powers<K>::margin_b.ceil_div(mm_a, ok);
  ok = ok && in_value_range(margin);
  margin = usd<Rounding::Up>(margin, qa, ok);
  ok = ok && in_value_range(margin);
  // maint_excess: a gain is weighted collateral, a loss is requirement (nothing when 0). Written
  // without a branch on the sign (unpredictable): the weight of 0 is exactly 0.
  const int64_t gain = pnl_q > 0 ? pnl_q : 0;
  const int64_t loss = pnl_q < 0 ? pnl_q : 0;
  const int64_t wp = weigh(gain, t.upnl_weight, t.upnl_one, ok);
  ok = ok && in_value_range(wp);
  // (wc + wp) - (margin - loss) in wrapping unsigned arithmetic: when ok is false the inputs may be
  // anything (the caller discards the result), and signed overflow would be undefined; when ok is
  // true every term is within +-2^60, so the wrapped value is the exact one.
  return static_cast<int64_t>(static_cast<uint64_t>(wc) + static_cast<uint64_t>(wp) -
                              static_cast<uint64_t>(margin) + static_cast<uint64_t>(loss));
}

template <int K, class Fallback>
void run(const Tables& t, const CompactBook& book, std::size_t first, std::span<Value> out,
         RevalueStats& st, Fallback& fallback) {
  const std::span<const CompactAccount> hs = book.accounts();
  const int64_t* sizes = book.sizes().data();
  const uint8_t* markets = book.markets().data();
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::size_t id = first + i;
    const CompactAccount& h = hs[id];
    bool ok = h.slow == 0;
    const int64_t v = value_one<K>(t, h, sizes, markets, ok);
    if (ok) [[likely]] {
      out[i] = Value::from_raw(v);
      ++st.kernel;
      continue;
    }
    fallback(i, id);
  }
}

}  // namespace

RevalueStats revalue(const MarginCache& c, const CompactBook& book,
                     std::span<const MarginAccount> accounts, std::size_t first,
                     std::span<Value> out) {
  if (accounts.size() != book.size() || first > book.size() || out.size() > book.size() - first) {
    throw std::invalid_argument("revalue: accounts, book and output range disagree");
  }
  RevalueStats st;
  auto fallback = [&](std::size_t i, std::size_t id) {
    ++st.fallback;
    try {
      out[i] = maint_excess(c, accounts[id]);
    } catch (const OverflowError&) {
      out[i] = Value{};
      st.overflowed.push_back(static_cast<AccountId>(id));
    }
  };
  if (!book.matches(c)) {  // carries were built under another K or scale: all by maint_excess
    for (std::size_t i = 0; i < out.size(); ++i) fallback(i, first + i);
    return st;
  }
  const Tables t = make_tables(c);
  if (c.k < 0 || c.k > kMaxK) {
    for (std::size_t i = 0; i < out.size(); ++i) fallback(i, first + i);
    return st;
  }
  [&]<int... Ks>(std::integer_sequence<int, Ks...>) {
    ((c.k == Ks ? run<Ks>(t, book, first, out, st, fallback) : void()), ...);
  }
  (std::make_integer_sequence<int, kMaxK + 1>{});
  return st;
}

RevalueStats revalue(const MarginCache& c, const CompactBook& book,
                     std::span<const MarginAccount> accounts, std::span<Value> out) {
  if (out.size() != book.size()) throw std::invalid_argument("revalue: output size");
  return revalue(c, book, accounts, 0, out);
}

}  // namespace backstop
