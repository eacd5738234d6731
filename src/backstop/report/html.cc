// File: report/html.cc
// The HTML document around the charts of svg.cc: page style, header, key-figure cards, sections,
// tables and figures. See html.h.
#include "backstop/report/html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <iterator>

#include "backstop/report/svg.h"

namespace backstop::html {
namespace {

// Page style: system fonts only, no external resources. Kept free of the letter sequences "nan"
// and "inf" so that tests can search the whole document for leaked non-finite numbers.
constexpr const char* kStyle = R"css(
:root { --fg:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f8fafc; --card:#ffffff;
        --accent:#2563eb; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin:0; background:var(--bg); color:var(--fg);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
             "Noto Sans", "Liberation Sans", sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 28px 24px 40px; }
header.top { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 20px; }
h1 { font-size: 28px; line-height: 1.2; margin: 0 0 4px; letter-spacing: -0.01em; }
.subtitle { color: var(--muted); margin: 0; font-size: 16px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px;
     border-bottom: 1px solid var(--line); }
nav.toc { font-size: 14px; margin: 0 0 8px; color: var(--muted); }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 14px; white-space: nowrap; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px;
         margin: 0 0 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
        padding: 10px 14px; box-shadow: 0 1px 2px rgba(0,0,0,0.04); }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase;
           letter-spacing: 0.04em; }
.card .v { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums;
           overflow-wrap: anywhere; }
.text p { margin: 0 0 10px; white-space: pre-line; max-width: 78ch; }
figure { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
         margin: 16px 0; padding: 12px 14px 10px; break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg.chart { display: block; width: 100%; height: auto; }
svg.chart text { font-size: 11px; fill: #374151; }
svg.chart .label { font-size: 12px; fill: var(--fg); font-weight: 500; }
svg.chart .grid line { stroke: #eef0f3; stroke-width: 1; }
svg.chart .grid line.v { stroke: #f3f4f6; }
svg.chart .axis { stroke: #9ca3af; stroke-width: 1; fill: none; }
svg.chart .line { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
svg.chart .bars rect { stroke: #ffffff; stroke-width: 0.5; }
svg.chart .marker { stroke-width: 1.5; stroke-dasharray: 5 3; }
svg.chart .mlabel { font-size: 11px; font-weight: 600; }
svg.chart .nodata { font-size: 14px; fill: var(--muted); }
svg.chart .cells rect { stroke: #ffffff; stroke-width: 0.5; }
svg.chart .cellv { font-size: 10px; fill: #111827; }
svg.chart .cellv.light { fill: #ffffff; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 13px; margin: 6px 4px 0; }
.legend .key { display: inline-flex; align-items: center; gap: 6px; }
.legend i { display: inline-block; width: 14px; height: 4px; border-radius: 2px; }
.tablewrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px;
        font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
th { background: #f1f5f9; font-weight: 600; position: sticky; top: 0; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.num, th.num { text-align: right; }
footer { margin-top: 36px; padding-top: 10px; border-top: 1px solid var(--line);
         color: var(--muted);
         font-size: 13px; white-space: pre-line; }
@media print { body { background: #ffffff; } figure, .card { box-shadow: none; }
               main { padding: 0; } }
)css";

using Out = std::string;

template <typename... Args>
void put(Out& out, fmt::format_string<Args...> f, Args&&... args) {
  fmt::format_to(std::back_inserter(out), f, std::forward<Args>(args)...);
}

// Numbers, amounts and percentages are right-aligned in tables: an optional sign or currency
// sign, then digits with separators, and an optional unit suffix.
bool looks_numeric(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == '-' || s[i] == '+' || s[i] == '$')) ++i;
  if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= '0' && c <= '9') || c == '.' || c == ',' || c == '_' || c == '%' ||
                    c == 'k' || c == 'M' || c == 'B' || c == 'T' || c == 'x' || c == ' ';
    if (!ok) return false;
  }
  return true;
}

// Plain text to paragraphs: blank lines separate paragraphs; single newlines are kept.
void paragraphs(Out& out, std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find("\n\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view p = text.substr(pos, end - pos);
    while (!p.empty() && (p.front() == '\n' || p.front() == ' ')) p.remove_prefix(1);
    while (!p.empty() && (p.back() == '\n' || p.back() == ' ')) p.remove_suffix(1);
    if (!p.empty()) put(out, "<p>{}</p>\n", escape(p));
    pos = end + 2;
  }
}

std::string render_table(const Table& t) {
  std::size_t cols = t.header.size();
  for (const auto& row : t.rows) cols = std::max(cols, row.size());
  Out out = "<div class=\"tablewrap\"><table>\n";
  // A column is numeric when every non-empty body cell looks numeric.
  std::vector<bool> numeric(cols, true);
  std::vector<bool> seen(cols, false);
  for (const auto& row : t.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (row[c].empty()) continue;
      seen[c] = true;
      if (!looks_numeric(row[c])) numeric[c] = false;
    }
  }
  auto cls = [&](std::size_t c) {
    return numeric[c] && seen[c] ? std::string_view(" class=\"num\"") : std::string_view();
  };
  if (!t.header.empty()) {
    out += "<thead><tr>";
    for (std::size_t c = 0; c < cols; ++c) {
      put(out, "<th{}>{}</th>", cls(c), c < t.header.size() ? escape(t.header[c]) : "");
    }
    out += "</tr></thead>\n";
  }
  out += "<tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (std::size_t c = 0; c < cols; ++c) {
      put(out, "<td{}>{}</td>", cls(c), c < row.size() ? escape(row[c]) : "");
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
  return out;
}

template <typename T>
std::string figure(const T& item, const std::string& body) {
  Out out = "<figure>\n";
  if (!item.title.empty()) put(out, "<figcaption>{}</figcaption>\n", escape(item.title));
  out += body;
  out += "</figure>\n";
  return out;
}

struct ItemRenderer {
  std::string operator()(const LineChart& c) const { return figure(c, svg_line_chart(c)); }
  std::string operator()(const Histogram& h) const { return figure(h, svg_histogram(h)); }
  std::string operator()(const Heatmap& h) const { return figure(h, svg_heatmap(h)); }
  std::string operator()(const Table& t) const { return figure(t, render_table(t)); }
};

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\t':
      case '\n':
      case '\r':
        out += ch;
        break;
      default:
        if (static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f) out += ch;  // drop controls
    }
  }
  return out;
}

std::string render_item(const Item& item) {
  return std::visit(ItemRenderer{}, item);
}

std::string render_html(const Report& r) {
  Out out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  put(out, "<title>{}</title>\n", escape(r.title.empty() ? "Report" : r.title));
  put(out, "<style>{}</style>\n</head>\n<body>\n<main>\n", kStyle);
  out += "<header class=\"top\">\n";
  put(out, "<h1>{}</h1>\n", escape(r.title.empty() ? "Report" : r.title));
  if (!r.subtitle.empty()) put(out, "<p class=\"subtitle\">{}</p>\n", escape(r.subtitle));
  out += "</header>\n";
  if (r.sections.size() >= 3) {
    out += "<nav class=\"toc\">";
    for (std::size_t i = 0; i < r.sections.size(); ++i) {
      put(out, "<a href=\"#s{}\">{}</a>", i + 1,
          escape(r.sections[i].title.empty() ? fmt::format("Section {}", i + 1)
                                             : r.sections[i].title));
    }
    out += "</nav>\n";
  }
  if (!r.summary.empty()) {
    out += "<section class=\"cards\">\n";
    for (const auto& [k, v] : r.summary) {
      put(out, "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div></div>\n",
          escape(k), escape(v));
    }
    out += "</section>\n";
  }
  for (std::size_t i = 0; i < r.sections.size(); ++i) {
    const Section& s = r.sections[i];
    put(out, "<section id=\"s{}\">\n", i + 1);
    if (!s.title.empty()) put(out, "<h2>{}</h2>\n", escape(s.title));
    if (!s.text.empty()) {
      out += "<div class=\"text\">\n";
      paragraphs(out, s.text);
      out += "</div>\n";
    }
    for (const Item& item : s.items) out += render_item(item);
    out += "</section>\n";
  }
  if (!r.footer.empty()) put(out, "<footer>{}</footer>\n", escape(r.footer));
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace backstop::html
