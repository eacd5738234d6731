// The monitor's price schedule (monitor.h, set_schedule; monitor/schedule.h): scheduled bands,
// their certificates and wake lists, and following the schedule from detect to detect.
#include <fmt/format.h>

#include <algorithm>
#include <boost/container/static_vector.hpp>
#include <stdexcept>

#include "backstop/monitor/monitor.h"

namespace backstop {
namespace {

// The most an index can have moved (Ratio raw) since an evaluation in the same epoch: detect
// rebuilds everything once an index drifts more than kIndexEpochMove from its epoch value, and
// the screen charges index_move_ = ceil(2 x drift x 1.001) (monitor.cc, detect).
constexpr int64_t kMaxIndexMove = (2 * kIndexEpochMove * 1001 + 999) / 1000;

// What a scheduled band's price sources may spend, in PriceSchedule units (kOne: the room): the
// room less the index term at kMaxIndexMove, ceil(idx_rel / 2^32 x kMaxIndexMove / kRatioOne x
// kOne); 0 when that takes it all.
int128 price_budget(uint32_t idx_rel) {
  if (idx_rel == 0) return PriceSchedule::kOne;
  const int128 reserve = div_round(static_cast<int128>(unpack(idx_rel)) * kMaxIndexMove << 30,
                                   kRatioOne, Rounding::Up);
  return reserve >= PriceSchedule::kOne ? 0 : PriceSchedule::kOne - reserve;
}

// The signed cost per raw unit of a move at the signed `rate` (band.h, Driver::net_down): for a
// positive rate ceil(kOne / solo) with the solo limit floor(v0 * room / rate) left uncapped
// (certify checks the 1/10 range separately); for a negative one the gain -floor(kOne / solo),
// solo = ceil(v0 * room / -rate); 0 for a rate of 0. More than any budget when the room or the
// value is not positive.
int64_t unit_cost(const Band& b, int64_t v0, int128 rate) {
  if (b.room <= 0 || v0 <= 0) return PriceSchedule::unit_cost(0);
  if (rate == 0) return 0;
  const int128 solo =
      mul_div(v0, b.room, rate > 0 ? rate : -rate, rate > 0 ? Rounding::Down : Rounding::Up);
  const auto solo64 =
      static_cast<int64_t>(std::min<int128>(solo, std::numeric_limits<int64_t>::max()));
  return rate > 0 ? PriceSchedule::unit_cost(solo64) : PriceSchedule::unit_gain(solo64);
}

}  // namespace

// Any band whose index term fits in its room: a fragile one too (band.h). The epoch bounds every
// index's move since any evaluation, fragile or not, and the budget reserves that move's cost; a
// fragile band's budget is only smaller (less than half its room).
bool MarginMonitor::schedule_band(const Band& b, Meta& m) const {
  if (m.idx_rel == kNoRoom) return false;
  const int128 budget = price_budget(m.idx_rel);
  if (budget == 0) return false;
  Scheduled sch{};
  sch.budget = static_cast<int64_t>(budget);
  std::size_t n = 0;
  for (const Driver& d : b.drivers) {
    // Indexes: through the budget; pinned sources do not move.
    if (layout_.is_index(d.source) || is_pinned(pinned_, layout_, d.source)) continue;
    const int col = schedule_->column(d.source);
    if (col < 0 || col > std::numeric_limits<uint8_t>::max() || n == kScheduledSlots) {
      return false;
    }
    sch.column[n] = static_cast<uint8_t>(col);
    sch.term[n] =
        ScheduledTerm{d.value, unit_cost(b, d.value, d.net_down), unit_cost(b, d.value, d.net_up)};
    ++n;
  }
  m.u.sch = sch;
  m.n = static_cast<uint8_t>(n);
  m.screenable = 0;
  m.scheduled = b.narrow ? kNarrow : kWide;
  return true;
}

void MarginMonitor::certify(AccountId id, std::size_t from) {
  const Meta& m = meta_[id];
  // Only the terms in use are written (zeroing all four took a fifth of a path's certification).
  boost::container::static_vector<PriceSchedule::Term, kScheduledSlots> t;
  for (std::size_t k = 0; k < m.n; ++k) {
    const ScheduledTerm st = m.u.sch.term[k];
    // The rates hold while the source stays within 1/10 of v0, or 1/2 for a band that is not
    // narrow (band.h, kWideBandMove): floor(v0 / 10) or floor(v0 / 2) here.
    static_assert(kMaxBandMove * 10 == kRatioOne && kWideBandMove * 2 == kRatioOne);
    const int64_t cap = st.v0 <= 0 ? 0 : m.scheduled == kWide ? st.v0 / 2 : st.v0 / 10;
    t.push_back(
        PriceSchedule::Term{m.u.sch.column[k], st.v0, st.down, st.up, st.v0 - cap, st.v0 + cap});
  }
  ++stats_.certified;
  const std::size_t row = schedule_->first_exceeding({t.data(), t.size()}, m.u.sch.budget, from);
  if (row >= schedule_->rows()) return;  // certified to the end of the schedule
  if (wakes_.size() >= kNoWake - 1) {
    // A pool this large means a schedule far longer than any path: start over with edges.
    drop_schedule();
    resplit_ = true;
    return;
  }
  wakes_.push_back(Wake{id, gen_[id], wake_head_[row]});
  wake_head_[row] = static_cast<uint32_t>(wakes_.size() - 1);
}

void MarginMonitor::take_wakes(std::vector<AccountId>& out) {
  const std::size_t rows = schedule_->rows();
  if (rows == 0) return;
  const std::size_t last = std::min(row_, rows - 1);
  for (std::size_t r = next_wake_; r <= last; ++r) {
    for (uint32_t e = wake_head_[r]; e != kNoWake; e = wakes_[e].next) {
      if (wakes_[e].gen == gen_[wakes_[e].account]) out.push_back(wakes_[e].account);
    }
    wake_head_[r] = kNoWake;
  }
  next_wake_ = last + 1;
  stats_.woken += out.size();
  std::sort(out.begin(), out.end());  // reads the records in address order
}

bool MarginMonitor::follow_schedule(const MarginCache& c) {
  const PriceSchedule& s = *schedule_;
  const std::span<const SourceId> src = s.sources();
  boost::container::small_vector<int64_t, 16> now(src.size());
  for (std::size_t k = 0; k < src.size(); ++k) now[k] = source_value(c, layout_, src[k]);
  if (s.rows() == 0) {
    // Declared only: the waiting bands hold while their sources stay where they were.
    for (std::size_t k = 0; k < src.size(); ++k) {
      if (now[k] != last_[src[k]]) {
        drop_schedule();
        return false;
      }
    }
    return true;
  }
  const std::size_t r = s.find_row({now.data(), now.size()}, row_);
  if (r == s.rows()) {
    drop_schedule();
    return false;
  }
  row_ = r;
  return true;
}

void MarginMonitor::clear_wakes() {
  wakes_.clear();
  wake_head_.assign(schedule_ ? schedule_->rows() : 0, kNoWake);
}

void MarginMonitor::drop_schedule() {
  schedule_.reset();
  clear_wakes();
  ++stats_.unscheduled;
}

void MarginMonitor::set_schedule(std::shared_ptr<const PriceSchedule> schedule) {
  if (schedule) {
    for (const SourceId src : schedule->sources()) {
      if (src >= layout_.count() || layout_.is_index(src)) {
        throw std::invalid_argument(
            fmt::format("MarginMonitor::set_schedule: source {} is not a price source", src));
      }
    }
  }
  const bool had = schedule_ != nullptr;
  const bool same =
      schedule && had && std::ranges::equal(schedule->sources(), schedule_->sources());
  schedule_ = std::move(schedule);
  clear_wakes();
  if (!same) {
    // Bands gain or lose edges: the next detect rebuilds them all.
    if (had || schedule_) resplit_ = true;
    return;
  }
  if (schedule_->rows() == 0) return;
  // Every waiting (or scheduled) band is certified from the row of the last detect's values.
  const std::span<const SourceId> src = schedule_->sources();
  boost::container::small_vector<int64_t, 16> last(src.size());
  for (std::size_t k = 0; k < src.size(); ++k) last[k] = last_[src[k]];
  const std::size_t r = schedule_->find_row({last.data(), last.size()}, 0);
  if (r == schedule_->rows()) {
    drop_schedule();
    resplit_ = true;
    return;
  }
  row_ = r;
  next_wake_ = r;
  // The records are read in order, each with a search between: fetched 8 ahead.
  const std::size_t n = meta_.size();
  for (AccountId id = 0; id < n && schedule_; ++id) {
    if (id + 8 < n) {
      const char* p = reinterpret_cast<const char*>(&meta_[id + 8]);
      __builtin_prefetch(p);
      __builtin_prefetch(p + 64);
    }
    if (meta_[id].scheduled != 0) certify(id, r);
  }
}

}  // namespace backstop
