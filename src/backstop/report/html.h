// File: report/html.h
// Self-contained HTML reports: a title, key figures, sections of text, tables and charts drawn as
// inline SVG (line charts, histograms, heatmaps). No network, no scripts, no external fonts or CSS:
// the file renders the same offline in any browser and prints cleanly.
//
// Presentation only: values are doubles (the caller converts exact money at its own boundary).
// Non-finite values (NaN, +-inf) are skipped (a line chart breaks its line there, a heatmap cell
// shows "no value"); no non-finite number is ever written ("nan", "inf"). Every text is
// HTML-escaped. Very long series are drawn point by point (the caller thins them if needed).
// Numbers are formatted with fmt at fixed precision (never locale-dependent), so render_html is a
// pure function: the same Report always gives the same bytes. Thread-safe; no I/O.
//
// Charts: axes with "nice" ticks (1, 2 or 5 x 10^k), tick labels in k/M/B/T or percent form,
// a legend when there is more than one series, a colour-scale legend for heatmaps (cell values
// are written in the cells when the grid is small). Heatmap row 0 (y_ticks[0]) is drawn at the
// bottom, like a y axis; column 0 at the left.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace backstop::html {

// One line: points (x[i], y[i]); if the lengths differ, the extra tail of the longer is ignored.
struct Series {
  std::string name;
  std::vector<double> x, y;
};

struct LineChart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool step = false;  // step-wise lines (time series of balances): y holds until the next x
  bool x_percent = false, y_percent = false;  // tick labels as percentages (0.05 -> "5%")
};

struct Histogram {
  std::string title, x_label, y_label;
  std::vector<double> edges;                            // n+1 bin edges, ascending
  std::vector<double> counts;                           // n
  std::vector<std::pair<std::string, double>> markers;  // vertical lines, e.g. {"VaR 99%", x}
  bool x_percent = false;                               // x tick labels as percentages
};

struct Heatmap {
  std::string title, x_label, y_label, z_label;
  std::vector<std::string> x_ticks, y_ticks;
  std::vector<double> z;   // row-major, rows = y_ticks, cols = x_ticks; NaN (or missing) = no value
  bool z_percent = false;  // colour-scale and cell labels as percentages
};

struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // short rows are padded with empty cells
};

using Item = std::variant<LineChart, Histogram, Heatmap, Table>;

struct Section {
  std::string title;
  std::string text;  // plain text; a blank line starts a new paragraph
  std::vector<Item> items;
};

struct Report {
  std::string title, subtitle;
  std::vector<std::pair<std::string, std::string>> summary;  // key figures, shown as cards
  std::vector<Section> sections;
  std::string footer;
};

// The whole document ("<!DOCTYPE html>..."), UTF-8. Pure, deterministic: same input, same bytes.
[[nodiscard]] std::string render_html(const Report& r);

// ---- helpers, public for reuse and tests ----

// Text escaped for HTML element content and attribute values: & < > " ' become entities; C0
// control characters other than tab, newline and carriage return are dropped.
[[nodiscard]] std::string escape(std::string_view text);

// One chart or table as an HTML fragment (<figure>...</figure>), as embedded by render_html.
[[nodiscard]] std::string render_item(const Item& item);

}  // namespace backstop::html
