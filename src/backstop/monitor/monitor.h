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
// crossed edges are re-evaluated exactly (maint_excess) and re-indexed. The cost of a tick is
// proportional to the number of edges it crossed, not to the size of the book.
//
// Interest indexes are handled by epochs: every band absorbs a relative index move of
// kIndexAllowance; when any index leaves kIndexEpochMove of its value at the epoch start the
// monitor rescans everything and starts a new epoch. "Fragile" accounts (room too small for the
// allowance) index their interest indexes with edges, like prices.
//
// Not covered by bands, so the caller must say so: accounts an event changed directly (`touched`),
// and events that move every account at once (funding, parameter changes: `full`).
//
// Owns its indexes; reads the State and MarginCache passed in. Not thread-safe (one writer).
// A band generation counter per account (uint32) identifies stale edges; it wraps after 2^32
// re-evaluations of one account, far beyond any run.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <vector>

#include "backstop/monitor/band.h"

namespace backstop {

struct MonitorStats {
  uint64_t evaluations = 0;    // exact re-evaluations (compute_band calls)
  uint64_t edges_crossed = 0;  // band edges crossed, including stale ones
  uint64_t stale_crossed = 0;  // edges of bands already replaced
  uint64_t full_scans = 0;     // construction, `full` syncs and index epochs
  uint64_t compactions = 0;
};

class MarginMonitor {
 public:
  // Evaluates every account once and indexes its band.
  MarginMonitor(const State& s, const MarginCache& c);

  struct Changes {
    std::vector<AccountId> became_unsafe;  // sorted
    std::vector<AccountId> became_safe;    // sorted
    std::size_t evaluated = 0;             // accounts re-evaluated by this sync
  };

  // Brings the monitor up to date with (s, c). Sources whose value differs from the last sync are
  // detected by comparison; `touched` are accounts changed directly since the last sync; `full`
  // re-evaluates everyone (after funding or parameter changes). New accounts are picked up.
  Changes sync(const State& s, const MarginCache& c, std::span<const AccountId> touched,
               bool full = false);

  // Accounts whose maintenance excess is negative, as of the last sync (ordered by id). Whether
  // one may be liquidated also needs usable prices, which the liquidation step checks.
  [[nodiscard]] const std::set<AccountId>& unsafe() const { return unsafe_; }
  [[nodiscard]] Value excess(AccountId a) const { return Value::from_raw(excess_.at(a)); }
  [[nodiscard]] bool fragile(AccountId a) const { return is_fragile_.at(a) != 0; }
  [[nodiscard]] std::size_t fragile_count() const { return fragile_count_; }
  [[nodiscard]] const MonitorStats& stats() const { return stats_; }
  // Band edges held (live and stale); for memory accounting in benchmarks.
  [[nodiscard]] std::size_t edges() const { return total_edges_; }

 private:
  struct Edge {
    int64_t at = 0;  // raw source value of the band edge
    AccountId account = 0;
    uint32_t gen = 0;
  };
  // Buckets of edges by edge_bucket(at), stored densely from the lowest key in use (a price
  // rarely wanders more than a few thousand buckets, so the ladder stays small).
  class Ladder {
   public:
    void add(uint32_t key, const Edge& e);
    std::vector<Edge>* find(uint32_t key);
    // Calls f(bucket) on every bucket with key > k (or < k) and empties it.
    template <class F>
    void drain_above(uint32_t k, F f);
    template <class F>
    void drain_below(uint32_t k, F f);
    template <class F>
    void for_each(F f);

   private:
    uint32_t base_ = 0;
    std::vector<std::vector<Edge>> b_;
  };
  struct SourceEdges {
    Ladder lower;  // crossed when the value goes below `at`
    Ladder upper;  // crossed when the value goes above `at`
  };

  void rebuild(const State& s, const MarginCache& c);
  void evaluate(const MarginCache& c, const MarginAccount& a, AccountId id, Changes* changes);
  void cross(SourceId src, int64_t value, std::vector<AccountId>& out);
  void take(std::vector<Edge>& bucket, std::vector<AccountId>& out);
  void maybe_compact();
  [[nodiscard]] bool epoch_broken(const MarginCache& c) const;

  SourceLayout layout_{};
  std::vector<int64_t> last_;   // source values at the last sync
  std::vector<int64_t> epoch_;  // index values at the start of the epoch
  std::vector<SourceEdges> edges_;
  std::vector<uint32_t> gen_;
  std::vector<int64_t> excess_;
  std::vector<uint32_t> edges_of_;  // live edges of each account's current band
  std::vector<uint8_t> is_fragile_;
  std::set<AccountId> unsafe_;
  std::size_t fragile_count_ = 0;
  std::size_t live_edges_ = 0;
  std::size_t total_edges_ = 0;
  MonitorStats stats_;
};

// Monotone bucket key of a raw source value: exponent and the 12 bits below the leading one
// (buckets are 2^-12 ~ 0.024% wide). key(x) < key(y) implies x < y.
[[nodiscard]] uint32_t edge_bucket(int64_t v);

}  // namespace backstop
