// File: monitor/monitor.h
// Incremental maintenance-margin monitor: after a price tick it finds exactly the accounts whose
// maintenance excess changed sign, without revaluing everyone.
//
// Every account carries a band (monitor/band.h): for each price source it depends on (asset
// prices, perp marks) a width such that while every source stays within its width of the value it
// had at the account's last evaluation, the sign of the account's exact maintenance excess cannot
// change. For each source the monitor indexes the band edges in buckets keyed by a monotone
// function of the edge value (~0.025% wide). When a source moves to v, every bucket strictly past
// v is crossed as a whole and the bucket holding v is scanned edge by edge; the accounts behind the
// crossed edges are candidates (screened, or re-evaluated exactly, then re-indexed: see below).
// The cost of a tick is proportional to the number of edges it crossed, not to the size of the
// book. Memory: 16 bytes per edge (two per price source per account) plus a 128-byte record and
// 16 more bytes and 1 bit (the unsafe set) per account.
//
// Interest indexes are handled by epochs: every band absorbs a relative index move of
// kIndexAllowance; when any index leaves kIndexEpochMove of its value at the epoch start the
// monitor rescans everything and starts a new epoch. "Fragile" accounts (room too small for the
// allowance) index their interest indexes with edges, like prices.
//
// Not covered by bands, so the caller must say so: accounts an event changed directly (`touched`),
// and events that move every account at once (funding, parameter changes: `full`).
//
// A tick runs in two phases, so that the answer does not wait for the bookkeeping:
//   detect  crosses the edges, then decides every candidate: most by a *screen* (the stored
//           per-source limits solo_s of its band, checked against the current source values, prove
//           that the sign cannot have changed; band.h), the rest by an exact maint_excess. Returns
//           the exact changes and leaves the candidates pending.
//   rearm   computes the pending accounts' new bands (compute_band) and indexes their edges.
// `sync` is detect followed by rearm. A detect that finds accounts still pending (rearm skipped)
// evaluates them exactly like touched accounts, so skipping rearm is never unsound, only slower.
//
// Units: source values are raw Price / Index units; excess in micro-dollars (Value).
// Owns its indexes; reads the State and MarginCache passed in. Not thread-safe (one writer); with
// set_threads it uses helper threads of its own inside detect.
// A band generation counter per account (uint32) identifies stale edges (it would have to wrap
// while a stale edge survives compaction to mislead); 32-bit detect stamps de-duplicate candidates
// and tell unchanged sources, and the monitor rebuilds itself before they wrap (detect).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "backstop/monitor/account_set.h"
#include "backstop/monitor/band.h"
#include "backstop/monitor/fork_join.h"
#include "backstop/monitor/huge_pages.h"
#include "backstop/monitor/schedule.h"
#include "backstop/monitor/volatility.h"

namespace backstop {

struct MonitorStats {
  uint64_t evaluations = 0;    // band computations (compute_band calls: builds and rearms)
  uint64_t exact = 0;          // maint_excess calls by detect (candidates the screen left)
  uint64_t screened = 0;       // candidates the screen proved unchanged
  uint64_t edges_crossed = 0;  // band edges crossed, including stale ones
  uint64_t stale_crossed = 0;  // edges of bands already replaced
  uint64_t full_scans = 0;     // construction, `full` syncs and index epochs
  uint64_t compactions = 0;
  uint64_t unpinned = 0;     // pinned sources found moved (each forced a full scan)
  uint64_t certified = 0;    // searches of a price schedule (set_schedule)
  uint64_t woken = 0;        // accounts taken at the row their certificate ran out
  uint64_t unscheduled = 0;  // schedules dropped (each forced a full scan)
};

class MarginMonitor {
 public:
  // Evaluates every account once and indexes its band.
  MarginMonitor(const State& s, const MarginCache& c);

  struct Changes {
    std::vector<AccountId> became_unsafe;  // sorted
    std::vector<AccountId> became_safe;    // sorted
    std::size_t evaluated = 0;             // accounts looked at: crossed, touched, new (all of
                                           // them on a full rescan)
    std::size_t exact = 0;                 // of which decided by an exact maint_excess
  };

  // Brings the monitor up to date with (s, c): detect(s, c, touched, full), then rearm(s, c).
  // Sources whose value differs from the last sync are detected by comparison; `touched` are
  // accounts changed directly since the last sync; `full` re-evaluates everyone (after funding or
  // parameter changes). New accounts are picked up.
  Changes sync(const State& s, const MarginCache& c, std::span<const AccountId> touched,
               bool full = false);
  // The first phase of sync: the exact changes and unsafe(); the candidates stay pending.
  Changes detect(const State& s, const MarginCache& c, std::span<const AccountId> touched,
                 bool full = false);
  // The second phase: new bands for the pending accounts. (s, c) must be those of the last detect;
  // throws std::invalid_argument if a source value differs from it, std::logic_error if an
  // account's sign differs from what detect found (a different State). With `defer_unsafe`, the
  // accounts detect valued below maintenance keep their old bands and stay pending: a caller
  // about to liquidate them spares bands it would throw away (the next detect values them again,
  // as it would a touched account; until then current() is false).
  void rearm(const State& s, const MarginCache& c, bool defer_unsafe = false);
  [[nodiscard]] std::size_t pending() const { return pending_.size(); }
  // Whether unsafe() is exactly the accounts of `s` whose maintenance excess is negative under
  // `c`, as far as the monitor can tell without valuing anyone: no account left pending, no new
  // account, and every source value (and the index epoch) as at the last detect. The caller
  // vouches that no account changed since the last sync without being passed to it as touched.
  [[nodiscard]] bool current(const State& s, const MarginCache& c) const;

  // Runs detect's crossing and exact valuations on `threads` threads: the caller's and
  // threads - 1 helpers the monitor starts now and stops with it (1, the default: none). Results,
  // counters, bands and the unsafe set are the same for any count (only the order in which
  // candidates of a several-source tick are re-armed may differ). Copies of a monitor start
  // with one thread. A phase is shared only above `share_above` crossed edges (and 1/16 as many
  // exact valuations): below, waking the helpers costs more than it saves. With `spin` the
  // helpers never sleep (each keeps a core busy; see monitor/fork_join.h): for a dedicated
  // machine where wake-up latency matters.
  void set_threads(unsigned threads, std::size_t share_above = kShareAbove, bool spin = false);

  // How the room of each band is shared between its sources (band.h, compute_band): log2 of
  // each source's relative volatility, indexed by SourceId (source_layout of the cache; missing
  // ones take kDefaultLog2Volatility). Bands computed from now on use it; a `full` detect
  // re-splits every band. Any values are sound.
  // While learning (below), the values become the learning's priors and what it learned is
  // dropped.
  void set_volatility(std::vector<uint8_t> log2_vol);
  // Learns the volatilities from the values detect sees, over windows of `window_s` seconds of
  // event time (State::now; monitor/volatility.h), starting from the current ones (set_volatility
  // or the default) as priors; std::nullopt stops learning and keeps the values learned so far.
  // Bands computed from then on use them; no result depends on it.
  void learn_volatility(std::optional<int64_t> window_s);
  // The volatilities bands are computed with (log2, by SourceId; empty: the default for all).
  [[nodiscard]] const std::vector<uint8_t>& volatility() const {
    return learn_ ? learn_->log2_volatility() : log2_vol_;
  }

  // Pins price sources the caller expects never to move (indexed by SourceId, non-zero: pinned;
  // entries for interest indexes are ignored, the epochs cover them): bands computed from now on
  // give a pinned source no room and no edges (compute_band's `pinned`), so the room goes to the
  // sources that move and a re-arm indexes fewer edges. A detect that finds a pinned source moved
  // unpins it and rebuilds everything, as a `full` detect does (MonitorStats::unpinned): a wrong
  // pin costs a full scan, never a missed change. So does the first detect after a call that
  // unpins a source. A change of the source layout (assets or markets added) drops every pin.
  void pin_sources(std::vector<uint8_t> pinned);
  [[nodiscard]] const std::vector<uint8_t>& pinned() const { return pinned_; }

  // Prices known in advance (monitor/schedule.h), as a simulator knows a path's before running
  // it. A band whose moving price sources are all scheduled (at most kScheduledSlots; fragile
  // or not; its index term fits its room) gets no edges: the monitor searches the schedule for the
  // first row at which the band's screen can fail (band.h, with every other source unmoved and
  // the index term at the most an epoch allows) and values the account exactly at the first
  // detect that reaches that row. Every detect first finds the row of its values: the row it
  // stood at or a later one (the first that matches). Values that are no such row (a price the
  // caller did not foresee, a rejected update) drop the schedule and rebuild everything, as a
  // moved pin does (MonitorStats::unscheduled): a wrong schedule costs a full scan, never a
  // missed change. A schedule without rows declares the sources: their bands wait without edges,
  // and the sources must not move until a schedule with rows and the same sources arrives;
  // setting that one certifies every waiting band at once (from the row of the last detect's
  // values), with no valuation. Any other change of the sources (or nullptr: no schedule) takes
  // effect at the next detect, which rebuilds everything.
  // Throws std::invalid_argument if a source is not a price source of the current layout.
  void set_schedule(std::shared_ptr<const PriceSchedule> schedule);
  [[nodiscard]] const std::shared_ptr<const PriceSchedule>& schedule() const { return schedule_; }
  // Whether the next detect rebuilds everything (a new schedule, a dropped pin).
  [[nodiscard]] bool rebuild_pending() const { return resplit_ || pins_dropped_; }

  // Accounts whose maintenance excess is negative, as of the last sync (ordered by id). Whether
  // one may be liquidated also needs usable prices, which the liquidation step checks.
  [[nodiscard]] const AccountSet& unsafe() const { return unsafe_; }
  [[nodiscard]] Value excess(AccountId a) const { return Value::from_raw(excess_.at(a)); }
  [[nodiscard]] bool fragile(AccountId a) const { return meta_.at(a).fragile != 0; }
  [[nodiscard]] std::size_t fragile_count() const { return fragile_count_; }
  // Whether the account's band is covered by the price schedule: listed at a row, no edges.
  [[nodiscard]] bool scheduled(AccountId a) const { return meta_.at(a).scheduled != 0; }
  [[nodiscard]] const MonitorStats& stats() const { return stats_; }

  // Makes this monitor a copy of `prototype` (as copy assignment does: helper threads stopped),
  // reusing its memory. A tracking monitor (track_changes; any monitor after its first reset_to)
  // lists the accounts whose per-account entries (record, generation, excess, edge count) a detect
  // may change (its candidates; a rebuild: all), and copies only those entries back when the
  // arrays have the prototype's size; everything else is copied in full. As with
  // Engine::reset_to, the caller promises that this monitor equalled `prototype` when tracking
  // began or at the last reset, and that `prototype` has not changed since. A simulator resets one
  // monitor per worker before every path, and a path looks at a minority of the accounts. The list
  // stops (the next reset copies everything) once it is longer than the book. Debug builds check
  // the per-account arrays against the prototype's after the reset and throw std::logic_error
  // on a difference.
  void reset_to(const MarginMonitor& prototype);
  void track_changes() {
    tracking_ = true;
    log_all_ = false;
    log_.clear();
  }
  // Band edges held (live and stale); for memory accounting in benchmarks.
  [[nodiscard]] std::size_t edges() const { return total_edges_; }

 private:
  friend struct MonitorTestAccess;  // tests/monitor_test.cc: moves the detect stamp near its end
  struct Edge {
    int64_t at = 0;  // raw source value of the band edge
    AccountId account = 0;
    uint32_t gen = 0;
  };
  // Buckets of edges by edge_bucket(at), stored densely from the lowest key in use (a price
  // rarely wanders more than a few thousand buckets, so the ladder stays small).
  class Ladder {
   public:
    Ladder() = default;
    Ladder(const Ladder&) = default;
    Ladder(Ladder&&) noexcept = default;
    Ladder& operator=(Ladder&&) noexcept = default;
    ~Ladder() = default;
    // Copies o's edges bucket by bucket, key to key: each bucket keeps its own capacity (a
    // simulator resets its monitor from the same one before every path, and the edges of a path
    // land in the buckets around that path's prices). Buckets beyond o's range are left empty.
    Ladder& operator=(const Ladder& o);

    void add(uint32_t key, const Edge& e);
    // Prefetches the bucket of `key` for an add: its vector (header) or, once that is in cache,
    // the slot past its last edge (tail).
    void prefetch(uint32_t key, bool tail) const;
    std::vector<Edge>* find(uint32_t key);
    // Calls f(bucket) on every non-empty bucket with key > k (or < k) and empties it (buckets
    // keep their capacity: edges come and go in the same few buckets).
    template <class F>
    void drain_above(uint32_t k, F f);
    template <class F>
    void drain_below(uint32_t k, F f);
    template <class F>
    void for_each(F f);

   private:
    uint32_t base_ = 0;
    std::vector<std::vector<Edge>> b_;
    // Every bucket outside [lo_, hi_) (indexes into b_) is empty; lo_ >= hi_: all are.
    std::size_t lo_ = 0;
    std::size_t hi_ = 0;
  };
  struct SourceEdges {
    Ladder lower;  // crossed when the value goes below `at`
    Ladder upper;  // crossed when the value goes above `at`
  };

  // Per account, one 128-byte record (two cache lines, read together): what the crossing loop
  // needs for the screen, so a live candidate costs one random access (and one in gen_).
  // The screen's limits (band.h): the price sources (asset prices, marks), each with its value at
  // evaluation v0 (packed, below) and its solo limits for a fall and a rise as fractions of it,
  // solo_rel = floor(2^kSoloShift solo / v0) (< 2^16: solo <= v0 / 10); the index sources together
  // through idx_rel and the epoch's drift (fragile bands included). A source that has not changed
  // since the evaluation (changed_[src] <= eval) adds nothing and its v0 is not read.
  // Packed values (pack_down / pack_up): a 26-bit mantissa m and a 6-bit exponent e stand for
  // m * 2^e; v0 is rounded down (the screen widens |v - v0| by 2^e - 1), idx_rel up.
  // A scheduled account (set_schedule) holds its terms instead: per price source its schedule
  // column, its exact value at evaluation and the unit costs of its solo limits (schedule.h).
  static constexpr std::size_t kSlots = 12;
  static constexpr std::size_t kScheduledSlots = 4;
  static constexpr int kSoloShift = 19;
  struct Limits {
    std::array<uint8_t, kSlots> source;
    std::array<uint16_t, kSlots> solo_down;
    std::array<uint16_t, kSlots> solo_up;
    std::array<uint32_t, kSlots> v0;  // packed, rounded down
  };
  struct [[gnu::packed]] ScheduledTerm {  // packed: the record stays 128 bytes
    int64_t v0;
    int64_t down;  // signed unit costs (schedule.h)
    int64_t up;
  };
  struct [[gnu::packed]] Scheduled {
    std::array<uint8_t, kScheduledSlots> column;
    std::array<ScheduledTerm, kScheduledSlots> term;
    int64_t budget;  // what the terms may cost: kOne less the index reserve (schedule.h units)
  };
  struct alignas(64) Meta {
    uint32_t valued = 0;   // stamp_ of the detect that valued the account exactly (set once
                           // value_exact has succeeded): rearm reuses excess_ then
    uint32_t seen = 0;     // stamp_ of the last detect that took the account as a candidate
    uint32_t eval = 0;     // stamp_ of the detect whose values the band was computed at
    uint32_t idx_rel = 0;  // packed ceil(2^32 index_sensitivity / room); kNoRoom if room <= 0
    uint8_t n = 0;         // limits (or scheduled terms) held
    uint8_t fragile = 0;
    uint8_t screenable = 0;  // 0: more than kSlots limits or sources past uint8: decide exactly
    uint8_t scheduled = 0;   // kNarrow or kWide: `sch` is in use (no edges), else (0) `lim`
    union {
      Limits lim;
      Scheduled sch;
    } u{.lim = {}};
  };
  static_assert(sizeof(Meta) == 128);
  // A scheduled band's terms hold within 1/10 of v0 (kMaxBandMove), or 1/2 when the band is not
  // narrow (band.h, kWideBandMove).
  static constexpr uint8_t kNarrow = 1;
  static constexpr uint8_t kWide = 2;
  static constexpr uint32_t kNoRoom = ~uint32_t{0};
  static constexpr uint32_t kLastStamp = ~uint32_t{0} - 1;

  void rebuild(const State& s, const MarginCache& c);
  // An edge waiting to be indexed (rearm indexes a batch with prefetching).
  struct StagedEdge {
    Ladder* ladder = nullptr;
    uint32_t key = 0;
    Edge edge;
  };
  // compute_band + edges + limits; returns whether the sign of the excess flipped. The edges are
  // indexed at once, or appended to `staged` when given.
  // excess: the account's exact maint_excess when detect has just computed it (compute_band).
  bool evaluate(const MarginCache& c, const MarginAccount& a, AccountId id,
                std::vector<StagedEdge>* staged = nullptr,
                std::optional<Value> excess = std::nullopt);
  void set_excess(AccountId id, Value e, Changes* changes);
  // One thread's share of a detect: candidates found and counters.
  struct Lane {
    std::vector<AccountId> pending;
    std::vector<AccountId> exact;
    std::vector<AccountId> flipped;  // value_exact: accounts whose sign changed
    bool stored = false;             // value_exact: this lane's values are in excess_
    uint64_t stale = 0;
    uint64_t screened = 0;
  };
  // Below these sizes a detect phase stays on the calling thread (waking helpers costs ~10 us).
  static constexpr std::size_t kShareAbove = 2'048;     // crossed edges
  static constexpr std::size_t kValueShareAbove = 128;  // exact valuations
  // The helper threads; a copy of the monitor gets none.
  struct Team : std::unique_ptr<ForkJoin> {
    Team() = default;
    Team(const Team& /*other*/) : std::unique_ptr<ForkJoin>() {}
    Team& operator=(const Team& /*other*/) {
      reset();
      return *this;
    }
    Team(Team&&) noexcept = default;
    Team& operator=(Team&&) noexcept = default;
    ~Team() = default;
  };

  void cross(SourceId src, int64_t value);
  template <bool Shared>
  void scan_edges(const Edge* edges, std::size_t lo, std::size_t hi, Lane& lane);
  void take_crossed(bool several_sources);
  void value_exact(const State& s, const MarginCache& c, Changes* ch);
  [[nodiscard]] bool screen(const Meta& m) const;
  [[nodiscard]] static uint16_t solo_rel(int64_t solo, int64_t v0);

  // The price schedule (monitor_schedule.cc). Whether b can be scheduled; if so fills m.u.sch.
  bool schedule_band(const Band& b, Meta& m) const;
  // Searches the schedule for id's band from row `from` and lists the account at the row found.
  void certify(AccountId id, std::size_t from);
  // Finds the row of c's values (drops the schedule when there is none); whether it is kept.
  bool follow_schedule(const MarginCache& c);
  // Appends the live accounts listed at rows [next_wake_, row_] and moves next_wake_ past them.
  void take_wakes(std::vector<AccountId>& out);
  void clear_wakes();
  void drop_schedule();

  void maybe_compact();
  // Largest relative move of an index from its epoch value, Ratio raw units, rounded up.
  [[nodiscard]] int64_t index_drift(const MarginCache& c) const;
  [[nodiscard]] bool epoch_broken(const MarginCache& c) const;
  // Every source of c (same layout) has the value the last detect saw.
  [[nodiscard]] bool sources_unchanged(const MarginCache& c) const;
  // Unpins every pinned source whose value differs from the last detect's; whether any did.
  bool unpin_moved(const MarginCache& c);

  // A per-account array (huge pages from 16 MiB) whose copy assignment, while `only` points to
  // a list of accounts, copies just their entries (when the sizes match; else the whole array):
  // reset_to's sparse copy. Copy construction copies everything; `only` is never copied.
  template <class T>
  struct PerAccount : std::vector<T, HugePageAllocator<T>> {
    using Base = std::vector<T, HugePageAllocator<T>>;
    PerAccount() = default;
    PerAccount(const PerAccount& o) : Base(o) {}
    PerAccount(PerAccount&& o) noexcept : Base(std::move(o)) {}
    PerAccount& operator=(const PerAccount& o) {
      if (only != nullptr && this->size() == o.size()) {
        for (const AccountId id : *only) (*this)[id] = o[id];
      } else {
        Base::operator=(o);
      }
      return *this;
    }
    PerAccount& operator=(PerAccount&& o) noexcept {
      Base::operator=(std::move(o));
      return *this;
    }
    ~PerAccount() = default;
    const std::vector<AccountId>* only = nullptr;
  };
  // Records the accounts a detect took as candidates (their entries may change), for reset_to.
  void log_candidates();

  SourceLayout layout_{};
  std::vector<int64_t> last_;      // source values at the last detect
  std::vector<uint32_t> changed_;  // stamp_ of the last detect that saw each source change
  std::vector<int64_t> epoch_;     // index values at the start of the epoch
  std::vector<SourceEdges> edges_;
  PerAccount<Meta> meta_;
  // Generation of each account's current band (apart from the records: the crossing loop tells a
  // stale edge from a live one without reading the record).
  PerAccount<uint32_t> gen_;
  PerAccount<int64_t> excess_;
  PerAccount<uint32_t> edges_of_;  // live edges of each account's current band
  int64_t index_drift_ = 0;  // largest relative index move from epoch_ seen this epoch (Ratio raw)
  uint64_t index_move_ = 0;  // bound on any index's relative move since an evaluation (Ratio raw)
  std::vector<AccountId> pending_;  // need a new band (detect -> rearm)
  std::vector<AccountId> armed_;    // rearm's scratch: the pending accounts it re-arms
  std::vector<AccountId> exact_;    // detect's scratch: decided by maint_excess
  std::vector<Edge> crossed_;       // detect's scratch: the edges a tick crossed
  std::vector<AccountId> woken_;    // detect's scratch: the accounts the schedule woke
  std::vector<Lane> lanes_;         // detect's scratch, one per thread
  std::vector<Value> values_;       // detect's scratch: exact valuations, then the old values
  std::vector<StagedEdge> staged_;  // rearm's scratch: the new bands' edges
  Team team_;
  std::size_t share_above_ = kShareAbove;
  std::vector<uint8_t> log2_vol_;  // per source; empty: the default for all
  std::vector<uint8_t> pinned_;    // per source; empty: none (pin_sources)
  bool pins_dropped_ = false;      // a pin was lifted: bands without its edges may remain
  std::optional<VolatilityTracker> learn_;
  uint32_t stamp_ = 0;
  // The schedule: the row of the last detect's values, the first row whose wake list is still
  // to be taken, and the wake lists (singly linked through a pool, by row; an entry is live while
  // its generation is the account's).
  struct Wake {
    AccountId account = 0;
    uint32_t gen = 0;
    uint32_t next = 0;
  };
  static constexpr uint32_t kNoWake = ~uint32_t{0};
  std::shared_ptr<const PriceSchedule> schedule_;
  bool resplit_ = false;  // the next detect rebuilds everything (set_schedule)
  std::size_t row_ = 0;
  std::size_t next_wake_ = 0;
  std::vector<Wake> wakes_;
  std::vector<uint32_t> wake_head_;
  AccountSet unsafe_;
  std::size_t fragile_count_ = 0;
  std::size_t live_edges_ = 0;
  std::size_t total_edges_ = 0;
  MonitorStats stats_;
  // reset_to's list (track_changes): accounts whose per-account entries may differ from those at
  // the last reset (repeats allowed); log_all_: every entry may (a rebuild, or a list that grew
  // longer than the book).
  bool tracking_ = false;
  bool log_all_ = false;
  std::vector<AccountId> log_;
};

// Packed non-negative values of the monitor's records: a 26-bit mantissa m and a 6-bit exponent e
// (bits 26-31) stand for m * 2^e; values below 2^26 are exact.
inline constexpr uint32_t kPackedMantissa = (uint32_t{1} << 26) - 1;
[[nodiscard]] uint32_t pack_down(uint64_t v);  // unpack(p) <= v <= unpack(p) + packed_error(p)
[[nodiscard]] uint32_t pack_up(uint64_t v);    // unpack(p) >= v, within a factor 1 + 2^-25
[[nodiscard]] inline uint64_t unpack(uint32_t p) {
  return uint64_t{p & kPackedMantissa} << (p >> 26);
}
[[nodiscard]] inline uint64_t packed_error(uint32_t p) {
  return (uint64_t{1} << (p >> 26)) - 1;
}

// Monotone bucket key of a raw source value: exponent and the 12 bits below the leading one
// (buckets are 2^-12 ~ 0.024% wide). key(x) < key(y) implies x < y.
[[nodiscard]] uint32_t edge_bucket(int64_t v);

}  // namespace backstop
