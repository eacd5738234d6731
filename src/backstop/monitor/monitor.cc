#include "backstop/monitor/monitor.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <utility>

#include "backstop/margin/risk.h"
#include "backstop/model/warm.h"

namespace backstop {

uint32_t edge_bucket(int64_t v) {
  if (v <= 0) return 0;
  const auto u = static_cast<uint64_t>(v);
  const int e = 63 - std::countl_zero(u);  // position of the leading one, 0..62
  const uint64_t m = e >= 12 ? (u >> (e - 12)) & 0xFFF : (u << (12 - e)) & 0xFFF;
  return (static_cast<uint32_t>(e + 1) << 12) | static_cast<uint32_t>(m);
}

MarginMonitor::Ladder& MarginMonitor::Ladder::operator=(const Ladder& o) {
  if (this == &o) return *this;
  if (o.b_.empty()) {
    for (std::size_t i = lo_; i < hi_; ++i) b_[i].clear();
    lo_ = hi_ = 0;
    return *this;
  }
  if (b_.empty()) {
    base_ = o.base_;
  } else if (o.base_ < base_) {
    b_.insert(b_.begin(), base_ - o.base_, std::vector<Edge>{});
    base_ = o.base_;
  }
  const std::size_t off = o.base_ - base_;  // o's first bucket, in ours
  const std::size_t end = off + o.b_.size();
  if (end > b_.size()) b_.resize(end);
  for (std::size_t i = 0; i < b_.size(); ++i) {
    if (i >= off && i < end) {
      b_[i] = o.b_[i - off];  // reuses this bucket's capacity when it suffices
    } else {
      b_[i].clear();
    }
  }
  lo_ = o.lo_ + off;
  hi_ = o.hi_ + off;
  return *this;
}

void MarginMonitor::Ladder::add(uint32_t key, const Edge& e) {
  if (b_.empty()) {
    base_ = key;
  } else if (key < base_) {
    const std::size_t shift = base_ - key;
    b_.insert(b_.begin(), shift, std::vector<Edge>{});
    base_ = key;
    lo_ += shift;
    hi_ += shift;
  }
  const std::size_t i = key - base_;
  if (i >= b_.size()) b_.resize(i + 1);
  b_[i].push_back(e);
  if (lo_ >= hi_) {
    lo_ = i;
    hi_ = i + 1;
  } else {
    lo_ = std::min(lo_, i);
    hi_ = std::max(hi_, i + 1);
  }
}

void MarginMonitor::Ladder::prefetch(uint32_t key, bool tail) const {
  if (key < base_ || key - base_ >= b_.size()) return;
  const std::vector<Edge>& v = b_[key - base_];
  if (tail) {
    __builtin_prefetch(v.data() + v.size(), 1);
  } else {
    __builtin_prefetch(&v, 1);
  }
}

std::vector<MarginMonitor::Edge>* MarginMonitor::Ladder::find(uint32_t key) {
  if (key < base_ || key - base_ >= b_.size()) return nullptr;
  return &b_[key - base_];
}

// Only [lo_, hi_) can hold edges: a drain visits that part of its range and shrinks it, so a
// price that sits still (or moves a bucket) costs a bucket or two, however far the ladder spans.
template <class F>
void MarginMonitor::Ladder::drain_above(uint32_t k, F f) {
  const std::size_t from = k < base_ ? 0 : std::size_t{k} - base_ + 1;
  const std::size_t start = std::max(from, lo_);
  for (std::size_t i = start; i < hi_; ++i) {
    if (!b_[i].empty()) {
      f(b_[i]);
      b_[i].clear();  // keeps its capacity for the edges to come
    }
  }
  hi_ = std::min(hi_, start);
}

template <class F>
void MarginMonitor::Ladder::drain_below(uint32_t k, F f) {
  const std::size_t to = k <= base_ ? 0 : std::min<std::size_t>(std::size_t{k} - base_, b_.size());
  const std::size_t end = std::min(to, hi_);
  for (std::size_t i = lo_; i < end; ++i) {
    if (!b_[i].empty()) {
      f(b_[i]);
      b_[i].clear();
    }
  }
  lo_ = std::max(lo_, end);
}

template <class F>
void MarginMonitor::Ladder::for_each(F f) {
  for (auto& b : b_) f(b);
}

MarginMonitor::MarginMonitor(const State& s, const MarginCache& c) {
  rebuild(s, c);
}

void MarginMonitor::rebuild(const State& s, const MarginCache& c) {
  ++stats_.full_scans;
  if (tracking_) {
    log_all_ = true;
    log_.clear();
  }
  layout_ = source_layout(c);
  last_.assign(layout_.count(), 0);
  changed_.assign(layout_.count(), 0);
  for (SourceId i = 0; i < layout_.count(); ++i) last_[i] = source_value(c, layout_, i);
  epoch_ = last_;
  edges_.assign(layout_.count(), SourceEdges{});
  const std::size_t n = s.accounts.size();
  meta_.assign(n, Meta{});
  gen_.resize(n, 0);
  for (uint32_t& g : gen_) ++g;  // nothing indexed before survives
  excess_.assign(n, 0);
  edges_of_.assign(n, 0);
  index_drift_ = 0;
  index_move_ = 0;
  pins_dropped_ = false;
  resplit_ = false;
  clear_wakes();
  next_wake_ = row_ + 1;  // everyone is valued at row_ below
  pending_.clear();
  unsafe_.clear();
  fragile_count_ = 0;
  live_edges_ = 0;
  total_edges_ = 0;
  for (AccountId id = 0; id < n; ++id) evaluate(c, s.accounts[id], id);
}

// Every account whose entries a detect or the rearm after it can change is a candidate of that
// detect: stamped `seen` (must, the crossing loop), then listed in pending_ (exact_ is a part of
// it), and rearm evaluates only pending accounts.
void MarginMonitor::log_candidates() {
  if (!tracking_ || log_all_) return;
  if (log_.size() + pending_.size() > meta_.size()) {
    log_all_ = true;  // a full copy is as cheap by now
    log_.clear();
    return;
  }
  log_.insert(log_.end(), pending_.begin(), pending_.end());
}

void MarginMonitor::reset_to(const MarginMonitor& o) {
  if (this == &o) return;
  // The list is moved out first: the assignment below copies o's (empty) one over it.
  const std::vector<AccountId> log = std::move(log_);
  auto copy_only = [this](const std::vector<AccountId>* only) {
    meta_.only = only;
    gen_.only = only;
    excess_.only = only;
    edges_of_.only = only;
  };
  copy_only(tracking_ && !log_all_ ? &log : nullptr);
  *this = o;  // every member; the four per-account arrays at the listed accounts only
  copy_only(nullptr);
  track_changes();
#ifndef NDEBUG
  // A sparse copy equals a full one (the sanitizer CI job runs every simulator test this way).
  const bool same = meta_.size() == o.meta_.size() &&
                    std::memcmp(meta_.data(), o.meta_.data(), meta_.size() * sizeof(Meta)) == 0 &&
                    std::ranges::equal(gen_, o.gen_) && std::ranges::equal(excess_, o.excess_) &&
                    std::ranges::equal(edges_of_, o.edges_of_);
  if (!same) {
    throw std::logic_error("MarginMonitor::reset_to: an entry changed outside the logged accounts");
  }
#endif
}

void MarginMonitor::set_excess(AccountId id, Value e, Changes* changes) {
  const bool was_unsafe = excess_[id] < 0;
  const bool now_unsafe = e.is_negative();
  excess_[id] = e.raw();
  if (now_unsafe == was_unsafe) return;
  // The unsafe set (a bitmap, monitor/account_set.h) changes only when a flag flips.
  if (now_unsafe) {
    unsafe_.insert(id);
  } else {
    unsafe_.erase(id);
  }
  if (changes != nullptr)
    (now_unsafe ? changes->became_unsafe : changes->became_safe).push_back(id);
}

// floor(2^kSoloShift solo / v0); solo <= v0 / 10 keeps it below 2^16.
uint16_t MarginMonitor::solo_rel(int64_t solo, int64_t v0) {
  if (v0 <= 0 || solo <= 0) return 0;
  const int128 r = div_round(int128{solo} << kSoloShift, v0, Rounding::Down);
  return static_cast<uint16_t>(std::min<int128>(r, std::numeric_limits<uint16_t>::max()));
}

uint32_t pack_down(uint64_t v) {
  const auto bits = static_cast<int>(std::bit_width(v));
  if (bits <= 26) return static_cast<uint32_t>(v);
  const int e = bits - 26;
  return (static_cast<uint32_t>(e) << 26) | static_cast<uint32_t>(v >> e);
}

uint32_t pack_up(uint64_t v) {
  const auto bits = static_cast<int>(std::bit_width(v));
  if (bits <= 26) return static_cast<uint32_t>(v);
  int e = bits - 26;
  uint64_t m = (v >> e) + ((v & ((uint64_t{1} << e) - 1)) != 0 ? 1 : 0);
  if (m > kPackedMantissa) {  // rounded up to 2^26
    m >>= 1;
    ++e;
  }
  return (static_cast<uint32_t>(e) << 26) | static_cast<uint32_t>(m);
}

bool MarginMonitor::evaluate(const MarginCache& c, const MarginAccount& a, AccountId id,
                             std::vector<StagedEdge>* staged, std::optional<Value> excess) {
  ++stats_.evaluations;
  // A band the schedule may take needs no widths: they are shared out only if it does not.
  Band b = compute_band(c, layout_, a, volatility(), excess, pinned_, schedule_ != nullptr);
  const bool flipped = (excess_[id] < 0) != b.excess.is_negative();
  set_excess(id, b.excess, nullptr);
  Meta& m = meta_[id];
  const uint32_t gen = ++gen_[id];
  if (b.fragile != (m.fragile != 0)) {
    m.fragile = b.fragile ? 1 : 0;
    fragile_count_ = b.fragile ? fragile_count_ + 1 : fragile_count_ - 1;
  }
  m.eval = stamp_;
  m.idx_rel = 0;
  if (b.index_sensitivity > 0) {
    // A ratio past 2^63 (or a sensitivity too large to shift) is treated like no room.
    const int128 r = b.room > 0 && b.index_sensitivity < (int128{1} << 94)
                         ? div_round(b.index_sensitivity << 32, b.room, Rounding::Up)
                         : int128{std::numeric_limits<int64_t>::max()};
    m.idx_rel =
        r >= std::numeric_limits<int64_t>::max() ? kNoRoom : pack_up(static_cast<uint64_t>(r));
  }
  // A band the price schedule covers holds no edges: it is listed at the row where its
  // certificate runs out (monitor_schedule.cc).
  if (schedule_ && schedule_band(b, m)) {
    live_edges_ -= edges_of_[id];
    edges_of_[id] = 0;
    if (schedule_->rows() > 0) certify(id, row_ + 1);
    return flipped;
  }
  m.scheduled = 0;
  if (schedule_) share_room(b, layout_, volatility(), pinned_);
  // The screen's limits: the price sources; the indexes (of any band) through idx_rel and the
  // epoch's drift. A pinned source has neither limits nor edges: it has not moved since the band
  // was computed (detect rebuilds everything when it does).
  std::size_t n = 0;
  bool narrow = true;
  for (const Driver& d : b.drivers) {
    if (!layout_.is_index(d.source) && !is_pinned(pinned_, layout_, d.source)) {
      ++n;
      narrow = narrow && d.source <= std::numeric_limits<uint8_t>::max();
    }
  }
  m.screenable = n <= kSlots && narrow ? 1 : 0;
  m.n = m.screenable != 0 ? static_cast<uint8_t>(n) : 0;
  uint32_t count = 0;
  std::size_t limit = 0;
  for (const Driver& d : b.drivers) {
    if (layout_.is_index(d.source) && !b.fragile) continue;  // covered by the index epoch
    if (is_pinned(pinned_, layout_, d.source)) continue;
    SourceEdges& se = edges_[d.source];
    const int64_t lo = d.value - d.width_down;
    const int64_t hi = d.value + d.width_up;
    if (staged != nullptr) {
      staged->push_back(StagedEdge{&se.lower, edge_bucket(lo), Edge{lo, id, gen}});
      staged->push_back(StagedEdge{&se.upper, edge_bucket(hi), Edge{hi, id, gen}});
    } else {
      se.lower.add(edge_bucket(lo), Edge{lo, id, gen});
      se.upper.add(edge_bucket(hi), Edge{hi, id, gen});
    }
    if (m.screenable != 0 && !layout_.is_index(d.source)) {
      const std::size_t k = limit++;
      m.u.lim.source[k] = static_cast<uint8_t>(d.source);
      m.u.lim.v0[k] = pack_down(d.value > 0 ? static_cast<uint64_t>(d.value) : 0);
      m.u.lim.solo_down[k] = solo_rel(d.solo_down, d.value);
      m.u.lim.solo_up[k] = solo_rel(d.solo_up, d.value);
    }
    count += 2;
  }
  live_edges_ = live_edges_ - edges_of_[id] + count;  // the previous band's edges are stale now
  edges_of_[id] = count;
  total_edges_ += count;
  return flipped;
}

// Crossed edges [lo, hi) of one bucket: the generation check (gen_, prefetched 32 edges ahead),
// then the screen on the account's record, which is prefetched 16 ahead only for a live edge: a
// stale edge (the account was re-armed since) costs one read in the dense gen_ array, not two
// lines of the records. Every live candidate needs a new band (lane.pending); those the screen
// cannot settle are valued exactly (lane.exact). With several lanes at work an account crossed
// on two sources may be met by both: the stamp is then exchanged atomically, so exactly one lane
// takes it.
template <bool Shared>
void MarginMonitor::scan_edges(const Edge* bucket, std::size_t lo, std::size_t hi, Lane& lane) {
  for (std::size_t i = lo; i < hi; ++i) {
    if (i + 32 < hi) __builtin_prefetch(&gen_[bucket[i + 32].account]);
    if (i + 16 < hi && bucket[i + 16].gen == gen_[bucket[i + 16].account]) {
      const char* p = reinterpret_cast<const char*>(&meta_[bucket[i + 16].account]);
      __builtin_prefetch(p);
      __builtin_prefetch(p + 64);
    }
    const Edge& e = bucket[i];
    if (e.gen != gen_[e.account]) {
      ++lane.stale;
      continue;
    }
    Meta& m = meta_[e.account];
    if constexpr (Shared) {
      if (std::atomic_ref<uint32_t>(m.seen).exchange(stamp_, std::memory_order_relaxed) == stamp_)
        continue;
    } else {
      if (m.seen == stamp_) continue;
      m.seen = stamp_;
    }
    lane.pending.push_back(e.account);
    if (screen(m)) {
      ++lane.screened;
    } else {
      lane.exact.push_back(e.account);
    }
  }
}

// Takes every crossed edge (crossed_): on the calling thread, or split evenly across the lanes
// when there is enough to share. The lanes' candidates are appended in lane order; when several
// sources moved (the only case where lanes can race for an account) they are sorted, so they do
// not depend on the threads' timing.
void MarginMonitor::take_crossed(bool several_sources) {
  const std::size_t total = crossed_.size();
  const unsigned lanes = team_ ? team_->size() : 1;
  if (lanes_.size() < lanes) lanes_.resize(lanes);
  if (lanes == 1 || total < share_above_) {
    Lane& lane = lanes_[0];
    lane.pending.swap(pending_);
    lane.exact.swap(exact_);
    scan_edges<false>(crossed_.data(), 0, total, lane);
    lane.pending.swap(pending_);
    lane.exact.swap(exact_);
  } else {
    team_->run([&](unsigned t) {
      scan_edges<true>(crossed_.data(), total * t / lanes, total * (t + 1) / lanes, lanes_[t]);
    });
    for (unsigned t = 0; t < lanes; ++t) {
      pending_.insert(pending_.end(), lanes_[t].pending.begin(), lanes_[t].pending.end());
      exact_.insert(exact_.end(), lanes_[t].exact.begin(), lanes_[t].exact.end());
      lanes_[t].pending.clear();
      lanes_[t].exact.clear();
    }
    if (several_sources) {
      std::sort(pending_.begin(), pending_.end());
      std::sort(exact_.begin(), exact_.end());
    }
  }
  for (Lane& lane : lanes_) {
    stats_.stale_crossed += lane.stale;
    stats_.screened += lane.screened;
    lane.stale = 0;
    lane.screened = 0;
  }
  stats_.edges_crossed += total;
  total_edges_ -= total;
  crossed_.clear();
}

void MarginMonitor::cross(SourceId src, int64_t value) {
  SourceEdges& se = edges_[src];
  const uint32_t key = edge_bucket(value);
  auto drain = [&](const std::vector<Edge>& bucket) {
    crossed_.insert(crossed_.end(), bucket.begin(), bucket.end());
  };
  // Every bucket above the value's bucket lies wholly above the value (lower edges crossed), every
  // bucket below it wholly below (upper edges crossed).
  se.lower.drain_above(key, drain);
  se.upper.drain_below(key, drain);
  // The value's own bucket, edge by edge.
  auto scan = [&](std::vector<Edge>* v, auto crossed) {
    if (v == nullptr) return;
    auto keep = std::partition(v->begin(), v->end(), [&](const Edge& e) { return !crossed(e.at); });
    crossed_.insert(crossed_.end(), keep, v->end());
    v->erase(keep, v->end());
  };
  scan(se.lower.find(key), [value](int64_t at) { return value < at; });
  scan(se.upper.find(key), [value](int64_t at) { return value > at; });
}

bool MarginMonitor::screen(const Meta& m) const {
  if (m.screenable == 0) return false;
  // sum over moved sources of |v - v0| / solo_eff <= 1 (band.h), solo_eff = floor(solo_rel v0 /
  // 2^kSoloShift) <= solo on the side of the move, in units of 2^-32 rounded up, plus the index
  // term of a non-fragile band. v0 is known only within [lo, lo + 2^e - 1] (packed): |v - v0| is
  // bounded by the farther end, solo_eff is taken at lo (smaller), and a value inside that range
  // takes the smaller of the two sides' limits. The common case, one moved source and no index
  // drift, needs no division.
  constexpr int128 kOne = int128{1} << 32;
  int128 sum = 0;
  if (index_move_ > 0 && m.idx_rel > 0) {
    if (m.idx_rel == kNoRoom) return false;
    sum = div_round(int128{unpack(m.idx_rel)} * index_move_, kRatioOne, Rounding::Up);
    if (sum > kOne) return false;
  }
  int128 first_dv = 0;
  int128 first_solo = 0;
  const Limits& lim = m.u.lim;
  for (std::size_t k = 0; k < m.n; ++k) {
    const uint8_t src = lim.source[k];
    if (changed_[src] <= m.eval) continue;  // unchanged since the evaluation: v == v0
    const int128 v = last_[src];
    const auto lo = static_cast<int128>(unpack(lim.v0[k]));
    const int128 hi = lo + static_cast<int128>(packed_error(lim.v0[k]));
    const int128 dv = std::max(v - lo, hi - v);  // >= |v - v0|
    if (dv == 0) continue;
    const uint16_t rel = v > hi   ? lim.solo_up[k]
                         : v < lo ? lim.solo_down[k]
                                  : std::min(lim.solo_up[k], lim.solo_down[k]);
    const int128 solo = (int128{rel} * lo) >> kSoloShift;
    if (dv > solo) return false;
    if (first_solo == 0 && sum == 0) {
      first_dv = dv;
      first_solo = solo;
      continue;
    }
    if (first_solo != 0) {
      sum += div_round(first_dv * kOne, first_solo, Rounding::Up);
      first_solo = 0;
    }
    sum += div_round(dv * kOne, solo, Rounding::Up);
    if (sum > kOne) return false;
  }
  return true;  // one moved source within its solo limit, or the sum within 1
}

void MarginMonitor::maybe_compact() {
  if (total_edges_ <= 2 * live_edges_ + 4096) return;
  ++stats_.compactions;
  total_edges_ = 0;
  auto stale = [this](const Edge& e) { return e.gen != gen_[e.account]; };
  for (SourceEdges& se : edges_) {
    for (Ladder* l : {&se.lower, &se.upper}) {
      l->for_each([&](std::vector<Edge>& v) {
        std::erase_if(v, stale);
        total_edges_ += v.size();
        // Buckets keep their capacity between ticks; here what is far beyond use is given back.
        if (v.capacity() > 4 * v.size() + 256) v.shrink_to_fit();
      });
    }
  }
  live_edges_ = total_edges_;
}

int64_t MarginMonitor::index_drift(const MarginCache& c) const {
  int128 drift = 0;
  for (SourceId src = layout_.assets; src < 3 * layout_.assets; ++src) {
    const int128 v = source_value(c, layout_, src);
    const int128 e = epoch_[src];
    const int128 diff = v > e ? v - e : e - v;
    if (diff == 0) continue;
    if (e <= 0) return kRatioOne;  // no relative bound: breaks the epoch
    drift = std::max(drift, div_round(diff * kRatioOne, e, Rounding::Up));
  }
  return static_cast<int64_t>(std::min<int128>(drift, kRatioOne));
}

bool MarginMonitor::epoch_broken(const MarginCache& c) const {
  // ceil(x) > k <=> x > k for an integer k: the same test as diff / e > kIndexEpochMove.
  return index_drift(c) > kIndexEpochMove;
}

bool MarginMonitor::current(const State& s, const MarginCache& c) const {
  const SourceLayout l = source_layout(c);
  if (!pending_.empty() || meta_.size() != s.accounts.size() || l.assets != layout_.assets ||
      l.markets != layout_.markets || epoch_broken(c)) {
    return false;
  }
  return sources_unchanged(c);
}

bool MarginMonitor::sources_unchanged(const MarginCache& c) const {
  for (SourceId src = 0; src < layout_.count(); ++src) {
    if (source_value(c, layout_, src) != last_[src]) return false;
  }
  return true;
}

MarginMonitor::Changes MarginMonitor::sync(const State& s, const MarginCache& c,
                                           std::span<const AccountId> touched, bool full) {
  Changes ch = detect(s, c, touched, full);
  rearm(s, c);
  return ch;
}

MarginMonitor::Changes MarginMonitor::detect(const State& s, const MarginCache& c,
                                             std::span<const AccountId> touched, bool full) {
  Changes ch;
  const SourceLayout l = source_layout(c);
  // The detect stamps (seen, eval, changed_) are 32 bits: before they would wrap, everything is
  // rebuilt with the stamp back at 0 (once per 2^32 - 2 detects: ~50 days at 1,000 ticks/s).
  if (stamp_ >= kLastStamp) {
    stamp_ = 0;
    full = true;
  }
  if (l.assets != layout_.assets || l.markets != layout_.markets) {
    pinned_.clear();  // the source ids have moved
    if (schedule_) drop_schedule();
  } else if (unpin_moved(c) || pins_dropped_) {
    full = true;
  }
  if (schedule_ && !follow_schedule(c)) full = true;
  if (resplit_) full = true;
  if (full || l.assets != layout_.assets || l.markets != layout_.markets || epoch_broken(c)) {
    const AccountSet before = unsafe_;
    rebuild(s, c);  // evaluates and indexes everyone: nothing is left pending
    std::set_difference(unsafe_.begin(), unsafe_.end(), before.begin(), before.end(),
                        std::back_inserter(ch.became_unsafe));
    std::set_difference(before.begin(), before.end(), unsafe_.begin(), unsafe_.end(),
                        std::back_inserter(ch.became_safe));
    ch.evaluated = s.accounts.size();
    ch.exact = s.accounts.size();
    return ch;
  }
  ++stamp_;
  const auto known = static_cast<AccountId>(meta_.size());
  if (s.accounts.size() > known) {
    meta_.resize(s.accounts.size());
    gen_.resize(s.accounts.size(), 0);
    excess_.resize(s.accounts.size(), 0);
    edges_of_.resize(s.accounts.size(), 0);
  }
  // Decided exactly: accounts changed directly, new ones, and those a skipped rearm left pending.
  exact_.clear();
  auto must = [&](AccountId id) {
    if (meta_[id].seen == stamp_) return;
    meta_[id].seen = stamp_;
    exact_.push_back(id);
  };
  for (AccountId id : touched) must(id);
  for (AccountId id = known; id < s.accounts.size(); ++id) must(id);
  for (AccountId id : pending_) must(id);
  // Scheduled accounts whose certificate ran out at a row up to this one.
  if (schedule_ && next_wake_ <= row_) {
    woken_.clear();
    take_wakes(woken_);
    for (AccountId id : woken_) must(id);
  }
  pending_.assign(exact_.begin(), exact_.end());
  // Every source value is brought up to date first: the screen reads them all. An index moved by
  // at most 2 x drift from its value at any evaluation in this epoch (relative to the epoch value,
  // which is within 0.05% of it: x 1.001).
  index_drift_ = std::max(index_drift_, index_drift(c));
  index_move_ =
      static_cast<uint64_t>(div_round(int128{2} * index_drift_ * 1001, 1000, Rounding::Up));
  boost::container::small_vector<SourceId, 16> moved;
  if (learn_) (void)learn_->advance(s.now);
  for (SourceId src = 0; src < layout_.count(); ++src) {
    const int64_t v = source_value(c, layout_, src);
    if (v == last_[src]) continue;
    if (learn_) learn_->observe(src, last_[src], v);
    last_[src] = v;
    changed_[src] = stamp_;
    moved.push_back(src);
  }
  // Candidates: accounts behind crossed edges (de-duplicated by the stamp), screened as they are
  // found; index sources hold edges of fragile bands only.
  for (SourceId src : moved) cross(src, last_[src]);
  take_crossed(moved.size() > 1);
  log_candidates();  // before anything below may throw: their stamps are written already
  value_exact(s, c, &ch);
  for (const AccountId id : exact_) meta_[id].valued = stamp_;  // stamp_ >= 1 here
  ch.evaluated = pending_.size();
  ch.exact = exact_.size();
  std::sort(ch.became_unsafe.begin(), ch.became_unsafe.end());
  std::sort(ch.became_safe.begin(), ch.became_safe.end());
  return ch;
}

// The exact valuations (maint_excess of exact_), split evenly across the lanes when there are
// enough. The accounts are cold: each lane reads them in batches of 32 with plain loads (records,
// then the balances and positions kept on the heap) before valuing the batch (model/warm.h: about
// twice as fast as prefetching on the benchmark VM). A lane that
// has valued its whole range stores the values in excess_ itself (its entries are its own: exact_
// holds each account once), keeps the old ones in values_ and lists the accounts whose sign
// flipped; the ordered unsafe set is then updated on this thread, in exact_ order. If a valuation
// throws, the lanes that had stored theirs put the old values back: excess_ is left unchanged.
void MarginMonitor::value_exact(const State& s, const MarginCache& c, Changes* ch) {
  const std::size_t ne = exact_.size();
  values_.resize(ne);
  const unsigned team = team_ ? team_->size() : 1;
  const unsigned lanes = team == 1 || ne < share_above_ / 16 ? 1 : team;
  if (lanes_.size() < team) lanes_.resize(team);
  auto value = [&](unsigned t) {
    const std::size_t lo = ne * t / lanes;
    const std::size_t hi = ne * (t + 1) / lanes;
    for_each_warmed(
        lo, hi, [&](std::size_t i) -> const MarginAccount& { return s.accounts[exact_[i]]; },
        [&](std::size_t i) { return static_cast<uint64_t>(excess_[exact_[i]]); },
        [&](std::size_t i) { values_[i] = maint_excess(c, s.accounts[exact_[i]]); });
    Lane& lane = lanes_[t];
    lane.flipped.reserve(hi - lo);  // nothing below may throw once the first value is stored
    for (std::size_t i = lo; i < hi; ++i) {
      const int64_t old = std::exchange(excess_[exact_[i]], values_[i].raw());
      if ((old < 0) != values_[i].is_negative()) lane.flipped.push_back(exact_[i]);
      values_[i] = Value::from_raw(old);
    }
    lane.stored = true;
  };
  try {
    if (lanes == 1) {
      value(0);
    } else {
      team_->run(value);
    }
  } catch (...) {
    for (unsigned t = 0; t < lanes; ++t) {
      if (lanes_[t].stored) {
        for (std::size_t i = ne * t / lanes; i < ne * (t + 1) / lanes; ++i)
          excess_[exact_[i]] = values_[i].raw();
      }
      lanes_[t].stored = false;
      lanes_[t].flipped.clear();
    }
    throw;
  }
  for (unsigned t = 0; t < lanes; ++t) {
    for (AccountId id : lanes_[t].flipped) {
      if (excess_[id] < 0) {
        unsafe_.insert(id);
        ch->became_unsafe.push_back(id);
      } else {
        unsafe_.erase(id);
        ch->became_safe.push_back(id);
      }
    }
    lanes_[t].flipped.clear();
    lanes_[t].stored = false;
  }
  stats_.exact += ne;
}

bool MarginMonitor::unpin_moved(const MarginCache& c) {
  bool moved = false;
  for (SourceId src = 0; src < pinned_.size() && src < layout_.count(); ++src) {
    if (is_pinned(pinned_, layout_, src) && source_value(c, layout_, src) != last_[src]) {
      pinned_[src] = 0;
      ++stats_.unpinned;
      moved = true;
    }
  }
  return moved;
}

void MarginMonitor::pin_sources(std::vector<uint8_t> pinned) {
  for (SourceId src = 0; src < pinned_.size(); ++src) {
    if (is_pinned(pinned_, layout_, src) && !is_pinned(pinned, layout_, src)) pins_dropped_ = true;
  }
  pinned_ = std::move(pinned);
}

void MarginMonitor::set_volatility(std::vector<uint8_t> log2_vol) {
  log2_vol_ = std::move(log2_vol);
  if (learn_) learn_volatility(learn_->window());
}

void MarginMonitor::learn_volatility(std::optional<int64_t> window_s) {
  if (!window_s) {
    if (learn_) log2_vol_ = learn_->log2_volatility();
    learn_.reset();
    return;
  }
  std::vector<uint8_t> prior(layout_.count(), kDefaultLog2Volatility);
  for (std::size_t i = 0; i < prior.size() && i < log2_vol_.size(); ++i) prior[i] = log2_vol_[i];
  learn_.emplace(*window_s, std::move(prior));
}

void MarginMonitor::set_threads(unsigned threads, std::size_t share_above, bool spin) {
  team_.reset();
  share_above_ = share_above;
  if (threads > 1) team_.reset(new ForkJoin(threads, spin));
}

void MarginMonitor::rearm(const State& s, const MarginCache& c, bool defer_unsafe) {
  if (!sources_unchanged(c)) {
    throw std::invalid_argument("MarginMonitor::rearm: prices differ from the last detect");
  }
  bool flipped = false;
  staged_.clear();
  // Deferred: below maintenance (the sign of excess_ is exact after detect).
  armed_.clear();
  if (defer_unsafe) {
    std::size_t kept = 0;
    for (const AccountId id : pending_) {
      if (excess_[id] < 0) {
        pending_[kept++] = id;
      } else {
        armed_.push_back(id);
      }
    }
    pending_.resize(kept);
  } else {
    armed_.swap(pending_);
  }
  // The accounts are cold: read in batches before their bands are computed (model/warm.h).
  for_each_warmed(
      0, armed_.size(),
      [&](std::size_t i) -> const MarginAccount& { return s.accounts[armed_[i]]; },
      [&](std::size_t i) {
        const AccountId id = armed_[i];
        return uint64_t{meta_[id].n} + gen_[id] + edges_of_[id] +
               static_cast<uint64_t>(excess_[id]);
      },
      [&](std::size_t i) {
        const AccountId id = armed_[i];
        const std::optional<Value> known = meta_[id].valued == stamp_
                                               ? std::optional<Value>(Value::from_raw(excess_[id]))
                                               : std::nullopt;
        flipped = evaluate(c, s.accounts[id], id, &staged_, known) || flipped;
      });
  // The edges land in buckets all over the ladders: each bucket's vector is prefetched 24 edges
  // ahead and the slot past its end 12 ahead, so the adds do not wait for memory one by one (8 and
  // 4 before session 11: the header load of the second prefetch still waited, ~3 % of a path).
  const std::size_t n = staged_.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 24 < n) staged_[i + 24].ladder->prefetch(staged_[i + 24].key, false);
    if (i + 12 < n) staged_[i + 12].ladder->prefetch(staged_[i + 12].key, true);
    staged_[i].ladder->add(staged_[i].key, staged_[i].edge);
  }
  maybe_compact();
  if (flipped) {
    throw std::logic_error("MarginMonitor::rearm: an account's sign differs from the last detect");
  }
}

}  // namespace backstop
