// State hash: XXH3-64 over a canonical little-endian serialization of everything observable
// (parameters, prices, indexes, totals, every account in id order, the clock). Two engines that
// applied the same events hash equal; any difference in state changes the hash.
#include <xxhash.h>

#include <array>
#include <bit>
#include <cstring>
#include <new>
#include <string>

#include "backstop/engine/engine.h"

namespace backstop {
namespace {

// Streams the serialization into XXH3 through a small buffer (the digest is that of the whole
// byte string at once; XXH3's streaming and one-shot forms agree).
class Writer {
 public:
  Writer() : state_(XXH3_createState()) {
    if (state_ == nullptr || XXH3_64bits_reset(state_) != XXH_OK) throw std::bad_alloc();
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() { XXH3_freeState(state_); }

  // Little-endian on every host: one store into the buffer.
  void i64(int64_t v) {
    auto u = static_cast<uint64_t>(v);
    if constexpr (std::endian::native == std::endian::big) u = std::byteswap(u);
    if (used_ + sizeof u > buf_.size()) flush();
    std::memcpy(buf_.data() + used_, &u, sizeof u);
    used_ += sizeof u;
  }
  template <class T>
  void fx(Fixed<T> v) {
    i64(v.raw());
  }
  template <class T>
  void opt(const std::optional<T>& v) {
    i64(v ? 1 : 0);
    if (v) put(*v);
  }
  void str(const std::string& s) {
    i64(static_cast<int64_t>(s.size()));
    bytes(s.data(), s.size());
  }
  template <class T>
  void put(Fixed<T> v) {
    fx(v);
  }
  // Room for n more 64-bit words in the buffer (flushing first if need be), written with
  // word(): one bounds check for a whole account instead of one per field. n <= kWords.
  static constexpr std::size_t kWords = 4096 / 8;
  void reserve_words(std::size_t n) {
    if (used_ + 8 * n > buf_.size()) flush();
  }
  void word(int64_t v) {
    auto u = static_cast<uint64_t>(v);
    if constexpr (std::endian::native == std::endian::big) u = std::byteswap(u);
    std::memcpy(buf_.data() + used_, &u, sizeof u);
    used_ += sizeof u;
  }
  void put(int64_t v) { i64(v); }
  [[nodiscard]] uint64_t digest() {
    flush();
    return XXH3_64bits_digest(state_);
  }

 private:
  void bytes(const void* p, std::size_t n) {
    if (used_ + n > buf_.size()) flush();
    if (n > buf_.size()) {
      (void)XXH3_64bits_update(state_, p, n);
      return;
    }
    std::memcpy(buf_.data() + used_, p, n);
    used_ += n;
  }
  void flush() {
    if (used_ > 0) (void)XXH3_64bits_update(state_, buf_.data(), used_);
    used_ = 0;
  }

  XXH3_state_t* state_;
  std::array<char, 4096> buf_{};
  std::size_t used_ = 0;
};

void write_asset(Writer& w, const AssetParams& p, const AssetState& s) {
  w.str(p.symbol);
  w.i64(p.decimals);
  w.fx(p.weight_initial);
  w.fx(p.weight_maint);
  w.fx(p.borrow_weight_initial);
  w.fx(p.borrow_weight_maint);
  w.fx(p.liquidation_bonus);
  w.i64(p.borrowable ? 1 : 0);
  w.fx(p.rates.base_rate);
  w.fx(p.rates.slope1);
  w.fx(p.rates.slope2);
  w.fx(p.rates.optimal_utilization);
  w.fx(p.reserve_factor);
  w.opt(p.supply_cap);
  w.opt(p.borrow_cap);
  w.opt(p.debt_ceiling);
  w.opt(p.isolation_ceiling);
  w.i64(p.borrowable_in_isolation ? 1 : 0);
  w.opt(p.max_price_age_s);
  w.opt(p.max_price_move);
  w.fx(s.price);
  w.i64(s.price_time);
  w.fx(s.supply_index);
  w.fx(s.borrow_index);
  w.i64(s.total_supply_scaled);
  w.i64(s.total_borrow_scaled);
  w.i64(s.last_accrual);
  w.fx(s.isolation_debt);
}

void write_market(Writer& w, const PerpParams& p, const PerpState& s) {
  w.str(p.symbol);
  w.i64(p.base_decimals);
  w.i64(p.quote);
  w.i64(static_cast<int64_t>(p.tiers.size()));
  for (const MarginTier& t : p.tiers) {
    w.fx(t.notional_floor);
    w.fx(t.initial_rate);
    w.fx(t.maint_rate);
  }
  w.opt(p.oi_cap);
  w.opt(p.max_price_age_s);
  w.opt(p.max_price_move);
  w.fx(s.oracle);
  w.fx(s.mark);
  w.i64(s.price_time);
  w.fx(s.funding_index);
  w.fx(s.long_oi);
  w.fx(s.short_oi);
}

// An account's words, in order, through `word`.
template <class F>
void write_account(const MarginAccount& a, F word) {
  word(a.owner);
  word(a.sub);
  word(a.mode == MarginMode::Cross ? 0 : 1);
  word(a.isolated_market ? *a.isolated_market : -1);
  word(static_cast<int64_t>(a.balances.size()));
  for (const TokenBalance& b : a.balances) {
    word(b.asset);
    word(b.scaled);
  }
  word(static_cast<int64_t>(a.positions.size()));
  for (const PerpPosition& p : a.positions) {
    word(p.market);
    word(p.size.raw());
    word(p.quote.raw());
    word(p.funding_snapshot.raw());
  }
}

}  // namespace

uint64_t Engine::state_hash() const {
  Writer w;
  const State& s = state_;
  w.str("backstop.state/1");
  w.i64(s.now);
  w.str(s.params.preset);
  w.fx(s.params.upnl_weight_initial);
  w.fx(s.params.upnl_weight_maint);
  w.opt(s.params.global_debt_ceiling);
  w.i64(static_cast<int64_t>(s.assets.size()));
  for (std::size_t i = 0; i < s.assets.size(); ++i) write_asset(w, s.asset_params[i], s.assets[i]);
  w.i64(static_cast<int64_t>(s.perps.size()));
  for (std::size_t i = 0; i < s.perps.size(); ++i) write_market(w, s.perp_params[i], s.perps[i]);
  w.i64(static_cast<int64_t>(s.owners.size()));
  for (const Owner& o : s.owners) w.str(o.name);
  w.i64(static_cast<int64_t>(s.accounts.size()));
  for (const MarginAccount& a : s.accounts) {
    // An account's words are bounds-checked once when the buffer can hold them all.
    const std::size_t words = 6 + 2 * a.balances.size() + 4 * a.positions.size();
    if (words <= Writer::kWords) {
      w.reserve_words(words);
      write_account(a, [&w](int64_t v) { w.word(v); });
    } else {
      write_account(a, [&w](int64_t v) { w.i64(v); });
    }
  }
  return w.digest();
}

}  // namespace backstop
