// File: sim/price_series.h
// Historical price series input for the stress simulator: Binance kline CSVs (1-minute perp
// klines) and plain `timestamp,price` / `symbol,timestamp,price` CSVs, parsed exactly into
// {time in Unix milliseconds, Price} points, with gap handling and a bad-print filter.
//
// Units: times are Unix milliseconds UTC (int64; the input unit is converted, see TimeUnit);
// prices are Price (quote units per whole unit, 1e-9), parsed with parse_decimal, never through
// double. Policy and formats: docs/simulation-inputs.md.
//
// parse_price_series is pure (text in, series out) and thread-safe; read_price_series is the one
// function here that does I/O (reads the whole file, then calls parse_price_series). Both throw
// SeriesError naming the file, the 1-based line and the field on the first malformed input.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "backstop/money/fixed.h"

namespace backstop::sim {

struct PricePoint {
  int64_t time_ms = 0;  // Unix milliseconds UTC; for a kline, the bar's open_time
  Price price;
  auto operator<=>(const PricePoint&) const = default;
};

enum class PriceFormat : uint8_t {
  Auto,             // from the header line, or from the field count when there is none
  BinanceKline,     // open_time,open,high,low,close,volume,close_time,... (>= 5 fields)
  TimePrice,        // timestamp,price
  SymbolTimePrice,  // symbol,timestamp,price (one symbol per file)
};

// Which price of a kline drives the series. Close is the default; Low/High give the intrabar
// worst case for longs/shorts. Ignored for plain series.
enum class KlineField : uint8_t { Open, High, Low, Close };

enum class TimeUnit : uint8_t { Seconds, Milliseconds, Microseconds };

// What to do with a step between consecutive points larger than max_step_ms.
enum class GapAction : uint8_t {
  Report,       // keep the series as is; list the gap
  FillForward,  // insert points every interval_ms carrying the previous price; list the gap
  Reject,       // throw SeriesError naming the line after the gap
};

// Bad-print filter (docs/simulation-inputs.md "Bad-print filter"). For row i with driving price
// d_i, the reference m_i is the median (lower middle) of the closes of the `window` rows before
// it (at the start of a file: of the first window + 1 rows other than row i). If
// |d_i - m_i| > max_deviation * m_i the print is suspect; it is kept only if each of the next
// `confirm` closes is strictly nearer d_i than m_i (|c - d_i| < |c - m_i|); otherwise it is
// replaced by the previous row's accepted price (m_i for the first row) and reported.
// A suspect print with fewer than `confirm` rows after it cannot be confirmed and is replaced;
// with confirm = 0 every suspect print is replaced. Rows with fewer than 2 reference closes (files
// of 1-2 rows) are not filtered.
struct FilterOptions {
  bool enabled = true;
  int window = 15;                                     // N >= 1
  Ratio max_deviation = Ratio::from_raw(250'000'000);  // X = 25%, > 0
  int confirm = 2;                                     // M >= 0
};

struct SeriesOptions {
  PriceFormat format = PriceFormat::Auto;
  KlineField field = KlineField::Close;
  TimeUnit time_unit = TimeUnit::Milliseconds;
  // Prices with more than 9 decimals (the hourly CoinGecko files have 16): nullopt rejects them
  // (exact parsing); a rounding rounds them to 1e-9 in that direction (Down/Up toward -inf/+inf,
  // TowardZero, HalfEven). Every rounded price is counted in PriceSeries::rounded.
  std::optional<Rounding> excess_digits;
  // Nominal step between points. 0: klines use close_time - open_time + 1 of the first row
  // (60,000 for 1-minute bars); plain series have none (then gaps are only checked when
  // max_step_ms is set, and FillForward needs interval_ms).
  int64_t interval_ms = 0;
  // A step > max_step_ms is a gap. 0: the interval (so a missing kline bar is a gap); for plain
  // series without an interval, no gap check.
  int64_t max_step_ms = 0;
  GapAction gaps = GapAction::Report;
  FilterOptions filter;
};

struct Gap {
  int64_t from_ms = 0;  // last point before the gap
  int64_t to_ms = 0;    // first point after it
  int line = 0;         // line of the point after the gap
  int64_t filled = 0;   // points inserted (FillForward), else 0
};

struct FilteredPrint {
  int64_t time_ms = 0;
  int line = 0;
  Price value;        // the rejected print
  Price median;       // the reference median m_i
  Price replaced_by;  // what the series carries instead
  std::string reason;
};

struct PriceSeries {
  std::string source;                      // the file name given to the parser
  PriceFormat format = PriceFormat::Auto;  // as detected
  std::string symbol;                      // SymbolTimePrice files, else empty
  int64_t interval_ms = 0;                 // as used (0: none)
  std::vector<PricePoint> points;          // strictly increasing time_ms
  std::vector<Gap> gaps;
  std::vector<FilteredPrint> filtered;
  int64_t rounded = 0;  // prices rounded to 9 decimals (excess_digits)
};

// "file:line: field 'close': reason". line is 1-based (0: the file as a whole); field may be empty.
class SeriesError : public std::runtime_error {
 public:
  SeriesError(std::string file, int line, std::string field, const std::string& reason);
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] int line() const { return line_; }
  [[nodiscard]] const std::string& field() const { return field_; }

 private:
  std::string file_;
  int line_;
  std::string field_;
};

// Parses `text` (the whole CSV; `source` names it in errors and in the result).
[[nodiscard]] PriceSeries parse_price_series(std::string_view text, const std::string& source,
                                             const SeriesOptions& options = {});

// Reads `path` and parses it. Throws SeriesError (line 0) when the file cannot be read.
[[nodiscard]] PriceSeries read_price_series(const std::string& path,
                                            const SeriesOptions& options = {});

// Parses one price field exactly: rejects NaN/inf, signs other than a plain positive number,
// zero, and (when `excess` is nullopt) more than 9 decimals. `*rounded` is set when the value was
// rounded. Returns the error text instead of throwing through `error`.
[[nodiscard]] std::optional<Price> parse_price(std::string_view text,
                                               std::optional<Rounding> excess, bool* rounded,
                                               std::string* error);

// The filter alone, on a driving series and its reference closes (same length, same order).
// Returns the accepted series; appends every replaced print to `out` (its line from `lines`).
[[nodiscard]] std::vector<Price> filter_bad_prints(const std::vector<Price>& driving,
                                                   const std::vector<Price>& closes,
                                                   const std::vector<int64_t>& times_ms,
                                                   const FilterOptions& options,
                                                   const std::vector<int>& lines,
                                                   std::vector<FilteredPrint>* out);

}  // namespace backstop::sim
