// File: report/svg.h
// Chart building blocks for report/html.h: "nice" axis ticks, deterministic number formatting and
// the inline-SVG renderers of the three chart kinds. Presentation only (double). Pure functions;
// no I/O; thread-safe. No non-finite number ("nan", "inf") is ever written: such inputs are
// skipped.
#pragma once

#include <string>
#include <vector>

#include "backstop/report/html.h"

namespace backstop::html {

// Axis ticks covering [lo, hi]: step = 1, 2 or 5 x 10^k (the smallest such step giving at most
// `max_ticks` intervals), lo/hi widened outward to multiples of the step, values = lo, lo + step,
// ..., hi (exact multiples; -0 written as 0). decimals = digits after the point that the step
// needs (0 for steps >= 1).
// Degenerate input: lo > hi is swapped; non-finite bounds give [0, 1]; an empty or relatively
// negligible range (|hi - lo| <= 1e-9 |centre|) around v is widened to v +- max(|v| / 10, ...),
// around 0 to [0, 1].
struct Ticks {
  double lo = 0, hi = 1, step = 1;
  int decimals = 0;
  std::vector<double> values;
};
[[nodiscard]] Ticks nice_ticks(double lo, double hi, int max_ticks = 6);

// The nice step (1, 2 or 5 x 10^k) not below `raw` (> 0, finite); 1 otherwise.
[[nodiscard]] double nice_step(double raw);

// A tick label for v on an axis with ticks `t`: fixed decimals from the step; values whose axis
// reaches 1e4 or more use a k/M/B/T suffix ("250k", "1.5M"); beyond 1e15 or below a step of 1e-6,
// scientific notation ("2.5e+18"). percent: v * 100 with a "%" suffix.
[[nodiscard]] std::string tick_label(double v, const Ticks& t, bool percent = false);

// A value with about 3 significant digits in the same style ("0.0123", "12.3", "4.56k",
// "7.89M", "-1.2B"), for cell labels; percent as above. Non-finite -> "-".
[[nodiscard]] std::string short_number(double v, bool percent = false);

// An SVG coordinate with 2 decimals; non-finite -> "0", -0 -> "0.00", clamped to +-1e7.
[[nodiscard]] std::string coord(double v);

// Charts as <svg> elements (viewBox based, scale with the page width), with their legends as
// HTML where applicable; no title (render_item puts it in the <figcaption>).
[[nodiscard]] std::string svg_line_chart(const LineChart& c);
[[nodiscard]] std::string svg_histogram(const Histogram& h);
[[nodiscard]] std::string svg_heatmap(const Heatmap& h);

// The categorical palette used for series (colour-blind friendly, cycles after 8).
[[nodiscard]] const char* series_colour(std::size_t i);
// Sequential colour scale (viridis-like) at t in [0, 1] (clamped; non-finite -> 0) as "#rrggbb".
[[nodiscard]] std::string scale_colour(double t);

}  // namespace backstop::html
