#include "backstop/monitor/monitor.h"

#include <algorithm>
#include <bit>
#include <iterator>

namespace backstop {

uint32_t edge_bucket(int64_t v) {
  if (v <= 0) return 0;
  const auto u = static_cast<uint64_t>(v);
  const int e = 63 - std::countl_zero(u);  // position of the leading one, 0..62
  const uint64_t m = e >= 12 ? (u >> (e - 12)) & 0xFFF : (u << (12 - e)) & 0xFFF;
  return (static_cast<uint32_t>(e + 1) << 12) | static_cast<uint32_t>(m);
}

void MarginMonitor::Ladder::add(uint32_t key, const Edge& e) {
  if (b_.empty()) {
    base_ = key;
  } else if (key < base_) {
    b_.insert(b_.begin(), base_ - key, std::vector<Edge>{});
    base_ = key;
  }
  const std::size_t i = key - base_;
  if (i >= b_.size()) b_.resize(i + 1);
  b_[i].push_back(e);
}

std::vector<MarginMonitor::Edge>* MarginMonitor::Ladder::find(uint32_t key) {
  if (key < base_ || key - base_ >= b_.size()) return nullptr;
  return &b_[key - base_];
}

template <class F>
void MarginMonitor::Ladder::drain_above(uint32_t k, F f) {
  const std::size_t from = k < base_ ? 0 : std::size_t{k} - base_ + 1;
  for (std::size_t i = from; i < b_.size(); ++i) {
    if (!b_[i].empty()) f(b_[i]);
  }
  if (from < b_.size()) b_.resize(from);  // nothing above k is left
}

template <class F>
void MarginMonitor::Ladder::drain_below(uint32_t k, F f) {
  const std::size_t to = k <= base_ ? 0 : std::min<std::size_t>(std::size_t{k} - base_, b_.size());
  for (std::size_t i = 0; i < to; ++i) {
    if (!b_[i].empty()) f(b_[i]);
  }
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
  layout_ = source_layout(c);
  last_.assign(layout_.count(), 0);
  for (SourceId i = 0; i < layout_.count(); ++i) last_[i] = source_value(c, layout_, i);
  epoch_ = last_;
  edges_.assign(layout_.count(), SourceEdges{});
  const std::size_t n = s.accounts.size();
  gen_.resize(n, 0);
  for (auto& g : gen_) ++g;  // nothing indexed before survives
  excess_.assign(n, 0);
  edges_of_.assign(n, 0);
  is_fragile_.assign(n, 0);
  unsafe_.clear();
  fragile_count_ = 0;
  live_edges_ = 0;
  total_edges_ = 0;
  for (AccountId id = 0; id < n; ++id) evaluate(c, s.accounts[id], id, nullptr);
}

void MarginMonitor::evaluate(const MarginCache& c, const MarginAccount& a, AccountId id,
                             Changes* changes) {
  ++stats_.evaluations;
  const Band b = compute_band(c, layout_, a);
  const bool was_unsafe = excess_[id] < 0;
  const bool now_unsafe = b.excess.is_negative();
  excess_[id] = b.excess.raw();
  const uint32_t gen = ++gen_[id];
  // The ordered sets change only when a flag flips (they are small; lookups in them are not).
  if (now_unsafe != was_unsafe) {
    if (now_unsafe) {
      unsafe_.insert(id);
    } else {
      unsafe_.erase(id);
    }
  }
  if (b.fragile != (is_fragile_[id] != 0)) {
    is_fragile_[id] = b.fragile ? 1 : 0;
    fragile_count_ = b.fragile ? fragile_count_ + 1 : fragile_count_ - 1;
  }
  if (changes != nullptr && was_unsafe != now_unsafe) {
    (now_unsafe ? changes->became_unsafe : changes->became_safe).push_back(id);
  }
  uint32_t count = 0;
  for (const Driver& d : b.drivers) {
    if (layout_.is_index(d.source) && !b.fragile) continue;  // covered by the index epoch
    SourceEdges& se = edges_[d.source];
    const int64_t lo = d.value - d.width;
    const int64_t hi = d.value + d.width;
    se.lower.add(edge_bucket(lo), Edge{lo, id, gen});
    se.upper.add(edge_bucket(hi), Edge{hi, id, gen});
    count += 2;
  }
  live_edges_ = live_edges_ - edges_of_[id] + count;  // the previous band's edges are stale now
  edges_of_[id] = count;
  total_edges_ += count;
}

void MarginMonitor::take(std::vector<Edge>& bucket, std::vector<AccountId>& out) {
  for (const Edge& e : bucket) {
    ++stats_.edges_crossed;
    if (e.gen == gen_[e.account]) {
      out.push_back(e.account);
    } else {
      ++stats_.stale_crossed;
    }
  }
  total_edges_ -= bucket.size();
  bucket.clear();
}

void MarginMonitor::cross(SourceId src, int64_t value, std::vector<AccountId>& out) {
  SourceEdges& se = edges_[src];
  const uint32_t key = edge_bucket(value);
  auto drain = [&](std::vector<Edge>& bucket) { take(bucket, out); };
  // Every bucket above the value's bucket lies wholly above the value (lower edges crossed), every
  // bucket below it wholly below (upper edges crossed).
  se.lower.drain_above(key, drain);
  se.upper.drain_below(key, drain);
  // The value's own bucket, edge by edge.
  auto scan = [&](std::vector<Edge>* v, auto crossed) {
    if (v == nullptr) return;
    auto keep = std::partition(v->begin(), v->end(), [&](const Edge& e) { return !crossed(e.at); });
    std::vector<Edge> hit(keep, v->end());
    v->erase(keep, v->end());
    take(hit, out);
  };
  scan(se.lower.find(key), [value](int64_t at) { return value < at; });
  scan(se.upper.find(key), [value](int64_t at) { return value > at; });
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
      });
    }
  }
  live_edges_ = total_edges_;
}

bool MarginMonitor::epoch_broken(const MarginCache& c) const {
  for (SourceId src = layout_.assets; src < 3 * layout_.assets; ++src) {
    const int128 v = source_value(c, layout_, src);
    const int128 e = epoch_[src];
    const int128 diff = v > e ? v - e : e - v;
    if (diff * kRatioOne > e * kIndexEpochMove) return true;  // cross-multiplied
  }
  return false;
}

MarginMonitor::Changes MarginMonitor::sync(const State& s, const MarginCache& c,
                                           std::span<const AccountId> touched, bool full) {
  Changes ch;
  const SourceLayout l = source_layout(c);
  if (full || l.assets != layout_.assets || l.markets != layout_.markets || epoch_broken(c)) {
    const std::set<AccountId> before = unsafe_;
    rebuild(s, c);
    std::set_difference(unsafe_.begin(), unsafe_.end(), before.begin(), before.end(),
                        std::back_inserter(ch.became_unsafe));
    std::set_difference(before.begin(), before.end(), unsafe_.begin(), unsafe_.end(),
                        std::back_inserter(ch.became_safe));
    ch.evaluated = s.accounts.size();
    return ch;
  }
  std::vector<AccountId> todo(touched.begin(), touched.end());
  for (SourceId src = 0; src < layout_.count(); ++src) {
    const int64_t v = source_value(c, layout_, src);
    if (v == last_[src]) continue;
    last_[src] = v;
    cross(src, v, todo);  // index sources hold edges of fragile bands only
  }
  const auto known = static_cast<AccountId>(gen_.size());
  if (s.accounts.size() > known) {
    gen_.resize(s.accounts.size(), 0);
    excess_.resize(s.accounts.size(), 0);
    edges_of_.resize(s.accounts.size(), 0);
    is_fragile_.resize(s.accounts.size(), 0);
    for (AccountId id = known; id < s.accounts.size(); ++id) todo.push_back(id);
  }
  std::sort(todo.begin(), todo.end());
  todo.erase(std::unique(todo.begin(), todo.end()), todo.end());
  for (AccountId id : todo) evaluate(c, s.accounts[id], id, &ch);
  ch.evaluated = todo.size();
  maybe_compact();
  return ch;
}

}  // namespace backstop
