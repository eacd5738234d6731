// File: monitor/schedule.h
// Prices known in advance: for some price sources (asset prices, marks), the value each takes at
// every step ("row") of a path, as a simulator knows them before it runs the path. With it the
// monitor (monitor.h, set_schedule) certifies an account over whole stretches of rows at once
// instead of indexing band edges: first_exceeding finds the first row at which the screen
// inequality of the account's band (band.h) can fail, and the account is only looked at again
// then. Nothing is trusted: the monitor checks every detect's values against the rows.
//
// Costs are fixed point: kOne (2^62) is a band's whole room, and a term's cost at v is
// (v0 - v) * down below v0 and (v - v0) * up above it, within the term's range [lo, hi] (band.h:
// the rates hold for moves of at most 1/10, or 1/2 for a band that is not narrow); a value
// outside that range costs more than any budget. down and up are signed (band.h,
// Driver::net_down): a negative one is a gain, which offsets the other terms' costs in the same
// row (a term's gain counts for at most 2^64). A min/max tree over the rows (and the min/max of
// every suffix) bounds a stretch's cost from above (each term at its worst value in the
// stretch), so a search visits O(log rows) nodes per near miss.
//
// Immutable once built; thread-safe to read. Memory: 24 bytes per source per row (values,
// suffixes) plus 32 per source per leaf of the tree (rows rounded up to a power of two).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "backstop/money/int128.h"
#include "backstop/monitor/band.h"

namespace backstop {

class PriceSchedule {
 public:
  // One source of an account's band: its column, its value at evaluation, the signed cost per
  // raw unit of a fall (down) or rise (up) below or above it (|down|, |up| <= kOne + 1), and the
  // range the costs hold in (lo <= v0 <= hi).
  struct Term {
    uint32_t column = 0;
    int64_t v0 = 0;
    int64_t down = 0;
    int64_t up = 0;
    int64_t lo = 0;
    int64_t hi = 0;
  };
  static constexpr int64_t kOne = int64_t{1} << 62;
  // The per-unit cost of a solo limit (raw units): ceil(kOne / solo), and kOne + 1 for a limit
  // of 0 (any move costs more than the whole room).
  [[nodiscard]] static int64_t unit_cost(int64_t solo);
  // The per-unit gain of a move worth the whole room over `solo` raw units: -floor(kOne / solo)
  // (0 for a solo limit past kOne; solo > 0).
  [[nodiscard]] static int64_t unit_gain(int64_t solo);

  // A schedule of `sources` (distinct price sources) with `values` row by row (rows x
  // sources.size(), every value > 0); no values: the sources are declared, the rows are not known
  // yet. Throws std::invalid_argument otherwise.
  PriceSchedule(std::vector<SourceId> sources, std::vector<int64_t> values);

  [[nodiscard]] std::size_t rows() const { return rows_; }
  [[nodiscard]] std::span<const SourceId> sources() const { return sources_; }
  // The column of source s, or -1 when it is not scheduled.
  [[nodiscard]] int column(SourceId s) const;
  [[nodiscard]] int64_t value(std::size_t row, std::size_t column) const {
    return values_[row * sources_.size() + column];
  }
  // The first row r >= from whose values are `values` (one per source, in column order); rows()
  // if none.
  [[nodiscard]] std::size_t find_row(std::span<const int64_t> values, std::size_t from) const;
  // The first row r >= from at which sum_t cost_t(value(r, t.column)) > budget; rows() if none.
  [[nodiscard]] std::size_t first_exceeding(std::span<const Term> terms, int128 budget,
                                            std::size_t from) const;

 private:
  struct Range {
    int64_t lo = 0;
    int64_t hi = 0;
  };
  [[nodiscard]] static bool within(std::span<const Term> terms, const Range* r, int128 budget);

  std::vector<SourceId> sources_;
  std::vector<int> column_;  // by SourceId
  std::size_t rows_ = 0;
  std::size_t leaves_ = 0;  // rows rounded up to a power of two
  int levels_ = 0;          // log2(leaves_)
  std::vector<int64_t> values_;
  std::vector<Range> tree_;    // node k (1-based heap order) at [k * S, (k + 1) * S)
  std::vector<Range> suffix_;  // row r: the range of rows [r, rows)
};

}  // namespace backstop
