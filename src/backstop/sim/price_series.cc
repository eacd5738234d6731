#include "backstop/sim/price_series.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <sstream>

namespace backstop::sim {
namespace {

// 2000-01-01 and 2100-01-01 in Unix milliseconds: the plausible range after unit conversion.
constexpr int64_t kMinPlausibleMs = 946'684'800'000;
constexpr int64_t kMaxPlausibleMs = 4'102'444'800'000;
// Most points FillForward may insert into one gap (protects against a wrong interval).
constexpr int64_t kMaxFillPerGap = 1'000'000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      out.push_back(trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// Non-negative integer; nullopt on anything else or overflow.
std::optional<int64_t> parse_int(std::string_view s) {
  if (!all_digits(s)) return std::nullopt;
  int128 acc = 0;
  for (char c : s) {
    acc = acc * 10 + (c - '0');
    if (acc > INT64_MAX) return std::nullopt;
  }
  return static_cast<int64_t>(acc);
}

const char* field_name(KlineField f) {
  switch (f) {
    case KlineField::Open:
      return "open";
    case KlineField::High:
      return "high";
    case KlineField::Low:
      return "low";
    case KlineField::Close:
      return "close";
  }
  return "close";
}

struct Row {
  int line = 0;
  int64_t time_ms = 0;
  int64_t close_time = -1;      // klines with a close_time field
  std::array<Price, 4> ohlc{};  // plain series: all four hold the price
};

struct Parser {
  const std::string& source;
  const SeriesOptions& opt;
  PriceSeries& out;

  [[noreturn]] void fail(int line, const std::string& field, const std::string& why) const {
    throw SeriesError(source, line, field, why);
  }

  int64_t parse_time(std::string_view text, int line, const std::string& field) const {
    const std::optional<int64_t> raw = parse_int(text);
    if (!raw)
      fail(line, field,
           "expected a non-negative integer timestamp, got '" + std::string(text) + "'");
    int64_t ms = *raw;
    const char* unit = "ms";
    if (opt.time_unit == TimeUnit::Seconds) {
      unit = "s";
      if (ms > INT64_MAX / 1000) fail(line, field, "timestamp out of range");
      ms *= 1000;
    } else if (opt.time_unit == TimeUnit::Microseconds) {
      unit = "us";
      ms /= 1000;  // floor (non-negative)
    }
    if (ms < kMinPlausibleMs || ms >= kMaxPlausibleMs) {
      fail(line, field,
           "timestamp " + std::string(text) + " (" + unit +
               ") is outside 2000-01-01..2100-01-01; wrong time unit? (SeriesOptions::time_unit)");
    }
    return ms;
  }

  Price price_field(std::string_view text, int line, const std::string& field) {
    bool rounded = false;
    std::string why;
    const std::optional<Price> p = parse_price(text, opt.excess_digits, &rounded, &why);
    if (!p) fail(line, field, why);
    if (rounded) ++out.rounded;
    return *p;
  }
};

}  // namespace

SeriesError::SeriesError(std::string file, int line, std::string field, const std::string& reason)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " +
                         (field.empty() ? std::string() : "field '" + field + "': ") + reason),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)) {}

std::optional<Price> parse_price(std::string_view text, std::optional<Rounding> excess,
                                 bool* rounded, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<Price> {
    if (error != nullptr) *error = why;
    return std::nullopt;
  };
  if (rounded != nullptr) *rounded = false;
  text = trim(text);
  if (text.empty()) return fail("empty price");
  std::string_view body = text;
  const bool negative = body.front() == '-';
  if (body.front() == '+' || body.front() == '-') body.remove_prefix(1);
  const std::string low = lower(body);
  if (low == "nan") return fail("price is NaN");
  if (low == "inf" || low == "infinity")
    return fail("price is infinite ('" + std::string(text) + "')");
  if (low.find('e') != std::string::npos &&
      low.find_first_not_of("0123456789.e+-") == std::string::npos) {
    return fail("exponent notation is not supported ('" + std::string(text) + "')");
  }
  if (body.find('_') != std::string::npos) return fail("digit separators are not allowed");
  if (negative && !body.empty() && body.find_first_not_of("0123456789.") == std::string_view::npos)
    return fail("price must be positive, got '" + std::string(text) + "'");

  std::string_view head = text;
  std::string_view tail;  // fractional digits beyond the ninth
  const std::size_t dot = text.find('.');
  if (dot != std::string_view::npos &&
      text.size() - dot - 1 > static_cast<std::size_t>(kPriceDecimals)) {
    head = text.substr(0, dot + 1 + kPriceDecimals);
    tail = text.substr(dot + 1 + kPriceDecimals);
    if (tail.find_first_not_of('0') == std::string_view::npos)
      tail = {};  // exact
    else if (!all_digits(tail))
      return fail("invalid character in '" + std::string(text) + "'");
  }
  if (!tail.empty() && !excess) {
    return fail("more than 9 decimal places in '" + std::string(text) +
                "' (SeriesOptions::excess_digits rounds them)");
  }
  std::string why;
  const std::optional<int64_t> raw = parse_decimal(head, kPriceDecimals, &why);
  if (!raw) return fail(why + " in '" + std::string(text) + "'");
  int64_t v = *raw;
  if (!tail.empty()) {
    // v > 0 here is the value truncated toward zero; decide whether to step up one quantum.
    bool up = false;
    switch (*excess) {
      case Rounding::Down:
      case Rounding::TowardZero:
        up = false;
        break;
      case Rounding::Up:
        up = true;
        break;
      case Rounding::HalfEven: {
        const char first = tail.front();
        const bool rest_zero = tail.substr(1).find_first_not_of('0') == std::string_view::npos;
        if (first > '5' || (first == '5' && !rest_zero))
          up = true;
        else if (first == '5')
          up = (v % 2) != 0;  // exact tie: to even
        break;
      }
    }
    if (up) v = checked_add(v, int64_t{1}, "price");
    if (rounded != nullptr) *rounded = true;
  }
  if (v <= 0) return fail("price must be positive, got '" + std::string(text) + "'");
  return Price::from_raw(v);
}

std::vector<Price> filter_bad_prints(const std::vector<Price>& driving,
                                     const std::vector<Price>& closes,
                                     const std::vector<int64_t>& times_ms,
                                     const FilterOptions& options, const std::vector<int>& lines,
                                     std::vector<FilteredPrint>* out) {
  const std::size_t n = driving.size();
  if (closes.size() != n || times_ms.size() != n || lines.size() != n) {
    throw std::invalid_argument("filter_bad_prints: inputs of different lengths");
  }
  if (options.window < 1 || options.confirm < 0 || !options.max_deviation.is_positive()) {
    throw std::invalid_argument(
        "filter_bad_prints: need window >= 1, confirm >= 0, max_deviation > 0");
  }
  std::vector<Price> accepted = driving;
  if (!options.enabled) return accepted;
  const auto w = static_cast<std::size_t>(options.window);
  const auto m_count = static_cast<std::size_t>(options.confirm);
  std::vector<int64_t> buf;
  for (std::size_t i = 0; i < n; ++i) {
    buf.clear();
    if (i >= w) {
      for (std::size_t j = i - w; j < i; ++j) buf.push_back(closes[j].raw());
    } else {
      for (std::size_t j = 0; j < n && j <= w; ++j) {
        if (j != i) buf.push_back(closes[j].raw());
      }
    }
    if (buf.size() < 2) continue;  // too little history to judge (files of 1-2 rows)
    const std::size_t mid = (buf.size() - 1) / 2;  // lower middle
    std::nth_element(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(mid), buf.end());
    const int128 m = buf[mid];
    const int128 d = driving[i].raw();
    const int128 dev = d > m ? d - m : m - d;
    // |d - m| > X * m  <=>  |d - m| * 10^9 > X_raw * m  (exact)
    if (dev * kRatioOne <= static_cast<int128>(options.max_deviation.raw()) * m) continue;
    bool confirmed = m_count > 0 && i + m_count < n;  // confirm = 0: never confirmed
    for (std::size_t k = 1; confirmed && k <= m_count; ++k) {
      const int128 c = closes[i + k].raw();
      const int128 to_d = c > d ? c - d : d - c;
      const int128 to_m = c > m ? c - m : m - c;
      confirmed = to_d < to_m;
    }
    if (confirmed) continue;
    const Price median = Price::from_raw(static_cast<int64_t>(m));
    accepted[i] = i == 0 ? median : accepted[i - 1];
    if (out != nullptr) {
      std::ostringstream why;
      why << "deviates " << (d > m ? "above" : "below") << " the median of the previous "
          << buf.size() << " closes (" << format(median) << ") by more than "
          << format(options.max_deviation) << " and is not confirmed by the next "
          << options.confirm << " closes";
      out->push_back({times_ms[i], lines[i], driving[i], median, accepted[i], why.str()});
    }
  }
  return accepted;
}

PriceSeries parse_price_series(std::string_view text, const std::string& source,
                               const SeriesOptions& opt) {
  PriceSeries out;
  out.source = source;
  Parser p{source, opt, out};
  if (opt.interval_ms < 0 || opt.max_step_ms < 0) p.fail(0, "", "negative interval or max step");

  // Split into non-blank lines, remembering 1-based line numbers.
  std::vector<std::pair<int, std::string_view>> lines;
  {
    int no = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      ++no;
      const std::string_view line = trim(text.substr(start, end - start));
      if (!line.empty()) lines.emplace_back(no, line);
      start = end + 1;
    }
  }
  if (lines.empty()) p.fail(0, "", "no data rows");

  // Header or not, and the format.
  std::size_t first = 0;
  std::vector<std::string_view> head = split_fields(lines[0].second);
  const bool has_header = !all_digits(head[0]) && !(head.size() >= 2 && all_digits(head[1]));
  PriceFormat fmt = opt.format;
  std::size_t width = head.size();
  if (has_header) {
    first = 1;
    std::vector<std::string> names;
    for (auto h : head) names.push_back(lower(h));
    const bool kline_header = names.size() >= 5 && names[0] == "open_time" && names[1] == "open" &&
                              names[2] == "high" && names[3] == "low" && names[4] == "close";
    if (fmt == PriceFormat::Auto) {
      if (kline_header)
        fmt = PriceFormat::BinanceKline;
      else if (names.size() == 2)
        fmt = PriceFormat::TimePrice;
      else if (names.size() == 3 && names[0] == "symbol")
        fmt = PriceFormat::SymbolTimePrice;
      else {
        p.fail(lines[0].first, "",
               "unrecognised header '" + std::string(lines[0].second) +
                   "' (expected open_time,open,high,low,close,...; timestamp,price; or "
                   "symbol,timestamp,price)");
      }
    }
  } else if (fmt == PriceFormat::Auto) {
    if (head.size() >= 6)
      fmt = PriceFormat::BinanceKline;
    else if (head.size() == 2)
      fmt = PriceFormat::TimePrice;
    else if (head.size() == 3 && !all_digits(head[0]))
      fmt = PriceFormat::SymbolTimePrice;
    else {
      p.fail(lines[0].first, "",
             "cannot tell the format of a file without a header from " +
                 std::to_string(head.size()) + " fields (set SeriesOptions::format)");
    }
  }
  const std::size_t need = fmt == PriceFormat::BinanceKline ? 5
                           : fmt == PriceFormat::TimePrice  ? 2
                                                            : 3;
  if (width < need || (fmt != PriceFormat::BinanceKline && width != need)) {
    p.fail(lines[0].first, "",
           "expected " + std::to_string(need) + " fields for this format, got " +
               std::to_string(width));
  }
  out.format = fmt;
  if (first >= lines.size()) p.fail(0, "", "no data rows");

  // Rows.
  std::vector<Row> rows;
  rows.reserve(lines.size() - first);
  for (std::size_t li = first; li < lines.size(); ++li) {
    const int line = lines[li].first;
    const std::vector<std::string_view> f = split_fields(lines[li].second);
    if (f.size() != width) {
      p.fail(line, "",
             "expected " + std::to_string(width) + " fields, got " + std::to_string(f.size()));
    }
    Row r;
    r.line = line;
    if (fmt == PriceFormat::BinanceKline) {
      r.time_ms = p.parse_time(f[0], line, "open_time");
      static constexpr std::array<const char*, 4> kNames = {"open", "high", "low", "close"};
      for (std::size_t k = 0; k < 4; ++k) r.ohlc[k] = p.price_field(f[k + 1], line, kNames[k]);
      const Price o = r.ohlc[0], h = r.ohlc[1], l = r.ohlc[2], c = r.ohlc[3];
      if (l > std::min(o, c)) p.fail(line, "low", "low " + format(l) + " is above open/close");
      if (h < std::max(o, c)) p.fail(line, "high", "high " + format(h) + " is below open/close");
      if (width >= 7) r.close_time = p.parse_time(f[6], line, "close_time");
    } else {
      const std::size_t tcol = fmt == PriceFormat::TimePrice ? 0 : 1;
      if (fmt == PriceFormat::SymbolTimePrice) {
        if (f[0].empty()) p.fail(line, "symbol", "empty symbol");
        if (out.symbol.empty())
          out.symbol = std::string(f[0]);
        else if (out.symbol != f[0]) {
          p.fail(line, "symbol",
                 "symbol '" + std::string(f[0]) + "' differs from '" + out.symbol +
                     "' (one symbol per file)");
        }
      }
      r.time_ms = p.parse_time(f[tcol], line, "timestamp");
      const Price v = p.price_field(f[tcol + 1], line, "price");
      r.ohlc = {v, v, v, v};
    }
    if (!rows.empty() && r.time_ms <= rows.back().time_ms) {
      const char* field = fmt == PriceFormat::BinanceKline ? "open_time" : "timestamp";
      p.fail(line, field,
             std::string(r.time_ms == rows.back().time_ms ? "duplicate timestamp "
                                                          : "timestamp not increasing: ") +
                 std::to_string(r.time_ms) + " after " + std::to_string(rows.back().time_ms) +
                 " (line " + std::to_string(rows.back().line) + ")");
    }
    rows.push_back(r);
  }

  // Interval and close_time consistency.
  int64_t interval = opt.interval_ms;
  if (fmt == PriceFormat::BinanceKline && rows.front().close_time >= 0) {
    const int64_t bar = rows.front().close_time - rows.front().time_ms + 1;
    if (bar <= 0) p.fail(rows.front().line, "close_time", "close_time is before open_time");
    if (interval == 0) interval = bar;
    for (const Row& r : rows) {
      if (r.close_time - r.time_ms + 1 != interval) {
        p.fail(r.line, "close_time",
               "close_time " + std::to_string(r.close_time) + " is not open_time + " +
                   std::to_string(interval) + " - 1");
      }
    }
  }
  out.interval_ms = interval;
  const int64_t max_step = opt.max_step_ms != 0 ? opt.max_step_ms : interval;
  if (opt.gaps == GapAction::FillForward && interval == 0) {
    p.fail(0, "", "GapAction::FillForward needs SeriesOptions::interval_ms for a plain series");
  }

  // Filter, then assemble with gaps.
  const auto fi = static_cast<std::size_t>(opt.field);
  std::vector<Price> driving, closes;
  std::vector<int64_t> times;
  std::vector<int> line_nos;
  for (const Row& r : rows) {
    driving.push_back(fmt == PriceFormat::BinanceKline ? r.ohlc[fi] : r.ohlc[3]);
    closes.push_back(r.ohlc[3]);
    times.push_back(r.time_ms);
    line_nos.push_back(r.line);
  }
  const std::vector<Price> accepted =
      filter_bad_prints(driving, closes, times, opt.filter, line_nos, &out.filtered);
  if (fmt == PriceFormat::BinanceKline) {
    for (FilteredPrint& fp : out.filtered)
      fp.reason = std::string(field_name(opt.field)) + " " + fp.reason;
  }

  out.points.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0 && max_step > 0 && times[i] - times[i - 1] > max_step) {
      Gap g{times[i - 1], times[i], line_nos[i], 0};
      if (opt.gaps == GapAction::Reject) {
        p.fail(line_nos[i], fmt == PriceFormat::BinanceKline ? "open_time" : "timestamp",
               "gap of " + std::to_string(times[i] - times[i - 1]) + " ms after " +
                   std::to_string(times[i - 1]) + " (more than " + std::to_string(max_step) +
                   " ms)");
      }
      if (opt.gaps == GapAction::FillForward) {
        for (int64_t t = times[i - 1] + interval; t < times[i]; t += interval) {
          if (++g.filled > kMaxFillPerGap) {
            p.fail(line_nos[i], "", "gap too long to fill at the interval");
          }
          out.points.push_back({t, accepted[i - 1]});
        }
      }
      out.gaps.push_back(g);
    }
    out.points.push_back({times[i], accepted[i]});
  }
  return out;
}

PriceSeries read_price_series(const std::string& path, const SeriesOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SeriesError(path, 0, "", "cannot open file");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw SeriesError(path, 0, "", "read error");
  return parse_price_series(buf.str(), path, options);
}

}  // namespace backstop::sim
