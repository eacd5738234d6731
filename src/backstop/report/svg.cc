// File: report/svg.cc
// Inline-SVG charts for report/html.h. See svg.h for the tick and number-format rules.
#include "backstop/report/svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <string_view>

namespace backstop::html {
namespace {

constexpr double kClamp = 1e300;  // larger magnitudes are clamped before tick arithmetic

// "-0", "-0.00", "-0.0%" -> without the sign.
std::string drop_negative_zero(std::string s) {
  if (s.size() > 1 && s[0] == '-' && s.find_first_not_of("0.%", 1) == std::string::npos) {
    s.erase(0, 1);
  }
  return s;
}

int decimals_for_step(double step) {
  if (!(step > 0) || !std::isfinite(step) || step >= 1) return 0;
  const double d = std::ceil(-std::log10(step) - 1e-9);
  return static_cast<int>(std::clamp(d, 0.0, 12.0));
}

struct Unit {
  double scale;
  const char* suffix;
};
constexpr std::array<Unit, 4> kUnits{{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "k"}}};

std::string fixed(double v, int decimals) {
  return drop_negative_zero(fmt::format("{:.{}f}", v, decimals));
}

// Axis label for v given the step and the largest magnitude on the axis.
std::string axis_number(double v, double step, double max_abs) {
  if (std::fabs(v) < step * 1e-6) v = 0;
  if (v == 0) return "0";
  if (max_abs >= 1e15 || step < 1e-6) {
    const double digits =
        std::floor(std::log10(std::max(max_abs, step))) - std::floor(std::log10(step));
    const int prec = static_cast<int>(std::clamp(digits, 0.0, 6.0));
    return drop_negative_zero(fmt::format("{:.{}e}", v, prec));
  }
  if (max_abs >= 1e4) {
    for (const Unit& u : kUnits) {
      if (max_abs >= u.scale) {
        return fixed(v / u.scale, decimals_for_step(step / u.scale)) + u.suffix;
      }
    }
  }
  return fixed(v, decimals_for_step(step));
}

bool finite(double v) {
  return std::isfinite(v);
}

// ---- drawing helpers ----

using Out = std::string;

template <typename... Args>
void put(Out& out, fmt::format_string<Args...> f, Args&&... args) {
  fmt::format_to(std::back_inserter(out), f, std::forward<Args>(args)...);
}

// Maps data to the plot rectangle [x0, x1] x [y0 (top), y1 (bottom)].
struct Frame {
  double x0, x1, y0, y1;
  Ticks xt, yt;
  [[nodiscard]] double sx(double x) const { return x0 + (x - xt.lo) / (xt.hi - xt.lo) * (x1 - x0); }
  [[nodiscard]] double sy(double y) const { return y1 - (y - yt.lo) / (yt.hi - yt.lo) * (y1 - y0); }
};

constexpr double kWidth = 860, kHeight = 380;
constexpr double kLeft = 76, kRight = 24, kTop = 18, kBottom = 58;

void open_svg(Out& out, double w, double h, std::string_view label) {
  put(out,
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" "
      "role=\"img\" aria-label=\"{}\">\n",
      coord(w), coord(h), escape(label));
}

void draw_axes(Out& out, const Frame& f, std::string_view x_label, std::string_view y_label,
               bool x_percent, bool y_percent, double height) {
  out += "<g class=\"grid\">";
  for (double y : f.yt.values) {
    put(out, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", coord(f.x0), coord(f.sy(y)),
        coord(f.x1), coord(f.sy(y)));
  }
  for (double x : f.xt.values) {
    put(out, "<line class=\"v\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", coord(f.sx(x)),
        coord(f.y0), coord(f.sx(x)), coord(f.y1));
  }
  out += "</g>\n<g class=\"tick\">";
  for (double y : f.yt.values) {
    put(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", coord(f.x0 - 8),
        coord(f.sy(y) + 4), escape(tick_label(y, f.yt, y_percent)));
  }
  for (double x : f.xt.values) {
    put(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", coord(f.sx(x)),
        coord(f.y1 + 18), escape(tick_label(x, f.xt, x_percent)));
  }
  out += "</g>\n";
  put(out, "<path class=\"axis\" d=\"M{} {}V{}H{}\"/>\n", coord(f.x0), coord(f.y0), coord(f.y1),
      coord(f.x1));
  if (!x_label.empty()) {
    put(out, "<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
        coord((f.x0 + f.x1) / 2), coord(height - 12), escape(x_label));
  }
  if (!y_label.empty()) {
    put(out,
        "<text class=\"label\" transform=\"translate(16 {}) rotate(-90)\" "
        "text-anchor=\"middle\">{}</text>\n",
        coord((f.y0 + f.y1) / 2), escape(y_label));
  }
}

void no_data(Out& out, const Frame& f) {
  put(out, "<text class=\"nodata\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">No data</text>\n",
      coord((f.x0 + f.x1) / 2), coord((f.y0 + f.y1) / 2));
}

Frame make_frame(double xlo, double xhi, double ylo, double yhi) {
  Frame f{kLeft,
          kWidth - kRight,
          kTop,
          kHeight - kBottom,
          nice_ticks(xlo, xhi, 8),
          nice_ticks(ylo, yhi, 6)};
  return f;
}

struct Range {
  double lo = 0, hi = 0;
  bool any = false;
  void add(double v) {
    if (!finite(v)) return;
    if (!any) {
      lo = hi = v;
      any = true;
    } else {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
};

void legend(Out& out, const std::vector<std::pair<std::string, std::string>>& keys) {
  out += "<div class=\"legend\">";
  for (const auto& [colour, name] : keys) {
    put(out, "<span class=\"key\"><i style=\"background:{}\"></i>{}</span>", colour, escape(name));
  }
  out += "</div>\n";
}

}  // namespace

// ---- ticks and numbers ----

double nice_step(double raw) {
  if (!(raw > 0) || !finite(raw)) return 1;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double m = norm <= 1 + 1e-9 ? 1 : norm <= 2 + 1e-9 ? 2 : norm <= 5 + 1e-9 ? 5 : 10;
  return m * mag;
}

Ticks nice_ticks(double lo, double hi, int max_ticks) {
  if (!finite(lo) || !finite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (lo > hi) std::swap(lo, hi);
  lo = std::clamp(lo, -kClamp, kClamp);
  hi = std::clamp(hi, -kClamp, kClamp);
  max_ticks = std::max(1, max_ticks);
  const double centre = lo / 2 + hi / 2;
  // Flat (or numerically flat) data, and spans so small that powers of ten would underflow.
  if (hi - lo <= 1e-9 * std::fabs(centre) || hi - lo < 1e-200) {
    if (std::fabs(centre) < 1e-200) {
      lo = 0;
      hi = 1;
    } else {
      const double d = std::fabs(centre) / 10;
      lo = centre - d;
      hi = centre + d;
    }
  }
  Ticks t;
  double step = nice_step((hi - lo) / max_ticks);
  double klo = 0, khi = 1;
  for (int guard = 0; guard < 8; ++guard) {
    klo = std::floor(lo / step + 1e-9);
    khi = std::ceil(hi / step - 1e-9);
    if (khi <= klo) khi = klo + 1;
    if (khi - klo <= max_ticks) break;
    step = nice_step(step * 1.5);  // next nice step up
  }
  t.step = step;
  t.lo = klo * step;
  t.hi = khi * step;
  t.decimals = decimals_for_step(step);
  const auto n = static_cast<std::size_t>(khi - klo);
  t.values.reserve(n + 1);
  for (std::size_t i = 0; i <= n; ++i) {
    double v = (klo + static_cast<double>(i)) * step;
    if (std::fabs(v) < step * 1e-9) v = 0;
    t.values.push_back(v);
  }
  return t;
}

std::string tick_label(double v, const Ticks& t, bool percent) {
  if (!finite(v)) return "-";
  const double scale = percent ? 100.0 : 1.0;
  const double max_abs = std::max(std::fabs(t.lo), std::fabs(t.hi)) * scale;
  std::string s = axis_number(v * scale, t.step * scale, max_abs);
  return percent ? s + "%" : s;
}

std::string short_number(double v, bool percent) {
  if (!finite(v)) return "-";
  if (percent) v *= 100;
  const char* pct = percent ? "%" : "";
  const double a = std::fabs(v);
  if (a == 0) return fmt::format("0{}", pct);
  if (a >= 1e15 || a < 1e-4) return drop_negative_zero(fmt::format("{:.2e}{}", v, pct));
  double scale = 1;
  const char* suffix = "";
  for (const Unit& u : kUnits) {
    if (a >= u.scale * 0.9995) {  // 999.6k prints as "1.00M", not "1000k"
      scale = u.scale;
      suffix = u.suffix;
      break;
    }
  }
  const double s = a / scale;
  int decimals = 0;
  if (s >= 99.95) {
    decimals = 0;
  } else if (s >= 9.995) {
    decimals = 1;
  } else if (s >= 0.9995) {
    decimals = 2;
  } else {
    decimals = std::clamp(2 - static_cast<int>(std::floor(std::log10(s))), 2, 6);
  }
  return fixed(v / scale, decimals) + suffix + pct;
}

std::string coord(double v) {
  if (!finite(v)) return "0";
  return fixed(std::clamp(v, -1e7, 1e7), 2);
}

const char* series_colour(std::size_t i) {
  static constexpr std::array<const char*, 8> kPalette{"#2563eb", "#dc2626", "#059669", "#d97706",
                                                       "#7c3aed", "#0891b2", "#db2777", "#4b5563"};
  return kPalette[i % kPalette.size()];
}

std::string scale_colour(double t) {
  static constexpr std::array<std::array<int, 3>, 9> kStops{{{0x44, 0x01, 0x54},
                                                             {0x47, 0x2d, 0x7b},
                                                             {0x3b, 0x52, 0x8b},
                                                             {0x2c, 0x72, 0x8e},
                                                             {0x21, 0x91, 0x8c},
                                                             {0x28, 0xae, 0x80},
                                                             {0x5e, 0xc9, 0x62},
                                                             {0xad, 0xdc, 0x30},
                                                             {0xfd, 0xe7, 0x25}}};
  if (!finite(t)) t = 0;
  t = std::clamp(t, 0.0, 1.0);
  const double pos = t * static_cast<double>(kStops.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(pos), kStops.size() - 2);
  const double f = pos - static_cast<double>(i);
  std::array<int, 3> rgb{};
  for (std::size_t k = 0; k < 3; ++k) {
    const double c = kStops[i][k] + f * (kStops[i + 1][k] - kStops[i][k]);
    rgb[k] = static_cast<int>(std::lround(c));
  }
  return fmt::format("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
}

// ---- line chart ----

std::string svg_line_chart(const LineChart& c) {
  Range xr, yr;
  for (const Series& s : c.series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (finite(s.x[i]) && finite(s.y[i])) {
        xr.add(s.x[i]);
        yr.add(s.y[i]);
      }
    }
  }
  const Frame f = make_frame(xr.lo, xr.hi, yr.lo, yr.hi);
  Out out;
  open_svg(out, kWidth, kHeight, c.title);
  draw_axes(out, f, c.x_label, c.y_label, c.x_percent, c.y_percent, kHeight);
  if (!xr.any) no_data(out, f);
  for (std::size_t si = 0; si < c.series.size(); ++si) {
    const Series& s = c.series[si];
    const std::size_t n = std::min(s.x.size(), s.y.size());
    std::string d;
    std::vector<std::pair<double, double>> dots;  // isolated points, or all when few
    std::size_t finite_count = 0;
    std::size_t run = 0;  // finite points in the current unbroken run
    double px = 0, py = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!finite(s.x[i]) || !finite(s.y[i])) {
        if (run == 1) dots.emplace_back(px, py);
        run = 0;
        continue;
      }
      const double x = f.sx(s.x[i]), y = f.sy(s.y[i]);
      if (run == 0) {
        d += fmt::format("M{} {}", coord(x), coord(y));
      } else if (c.step) {
        d += fmt::format("H{}V{}", coord(x), coord(y));
      } else {
        d += fmt::format("L{} {}", coord(x), coord(y));
      }
      px = x;
      py = y;
      ++run;
      ++finite_count;
    }
    if (run == 1) dots.emplace_back(px, py);
    const char* colour = series_colour(si);
    const char* dash = si >= 8 ? " stroke-dasharray=\"6 3\"" : "";
    if (!d.empty()) {
      put(out, "<path class=\"line\" stroke=\"{}\"{} d=\"{}\"><title>{}</title></path>\n", colour,
          dash, d, escape(s.name));
    }
    if (finite_count <= 20) {  // few points: mark them all
      dots.clear();
      for (std::size_t i = 0; i < n; ++i) {
        if (finite(s.x[i]) && finite(s.y[i])) dots.emplace_back(f.sx(s.x[i]), f.sy(s.y[i]));
      }
    }
    for (const auto& [x, y] : dots) {
      put(out, "<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{}\"/>", coord(x), coord(y), colour);
    }
    if (!dots.empty()) out += "\n";
  }
  out += "</svg>\n";
  if (c.series.size() > 1) {
    std::vector<std::pair<std::string, std::string>> keys;
    for (std::size_t i = 0; i < c.series.size(); ++i) {
      keys.emplace_back(series_colour(i), c.series[i].name);
    }
    legend(out, keys);
  }
  return out;
}

// ---- histogram ----

std::string svg_histogram(const Histogram& h) {
  const std::size_t n = h.edges.size() < 2 ? 0 : std::min(h.counts.size(), h.edges.size() - 1);
  auto valid = [&](std::size_t i) {
    return finite(h.edges[i]) && finite(h.edges[i + 1]) && finite(h.counts[i]);
  };
  Range xr, yr;
  yr.add(0);
  bool any_bin = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!valid(i)) continue;
    any_bin = true;
    xr.add(h.edges[i]);
    xr.add(h.edges[i + 1]);
    yr.add(h.counts[i]);
  }
  for (const auto& m : h.markers) xr.add(m.second);
  const Frame f = make_frame(xr.lo, xr.hi, yr.lo, yr.hi);
  Out out;
  open_svg(out, kWidth, kHeight, h.title);
  draw_axes(out, f, h.x_label, h.y_label, h.x_percent, false, kHeight);
  if (!any_bin) no_data(out, f);
  put(out, "<g class=\"bars\" fill=\"{}\">", series_colour(0));
  for (std::size_t i = 0; i < n; ++i) {
    if (!valid(i)) continue;
    const double xa = f.sx(std::min(h.edges[i], h.edges[i + 1]));
    const double xb = f.sx(std::max(h.edges[i], h.edges[i + 1]));
    const double ya = f.sy(std::max(h.counts[i], 0.0));
    const double yb = f.sy(std::min(h.counts[i], 0.0));
    put(out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{} to {}: {}</title></rect>",
        coord(xa), coord(ya), coord(std::max(xb - xa, 0.0)), coord(std::max(yb - ya, 0.0)),
        escape(short_number(h.edges[i], h.x_percent)),
        escape(short_number(h.edges[i + 1], h.x_percent)), escape(short_number(h.counts[i])));
  }
  out += "</g>\n";
  std::size_t k = 0;
  for (const auto& [name, x] : h.markers) {
    if (!finite(x)) continue;
    const double sx = f.sx(x);
    const char* colour = series_colour(1 + k % 7);
    put(out, "<line class=\"marker\" stroke=\"{}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        colour, coord(sx), coord(f.y0), coord(sx), coord(f.y1));
    const bool right = sx > f.x1 - 140;
    put(out, "<text class=\"mlabel\" fill=\"{}\" x=\"{}\" y=\"{}\" text-anchor=\"{}\">{}</text>\n",
        colour, coord(right ? sx - 5 : sx + 5), coord(f.y0 + 12 + static_cast<double>(k % 4) * 14),
        right ? "end" : "start",
        escape(fmt::format("{} = {}", name, short_number(x, h.x_percent))));
    ++k;
  }
  out += "</svg>\n";
  return out;
}

// ---- heatmap ----

std::string svg_heatmap(const Heatmap& h) {
  const std::size_t nx = h.x_ticks.size(), ny = h.y_ticks.size();
  auto z_at = [&](std::size_t r, std::size_t c) {
    const std::size_t i = r * nx + c;
    return i < h.z.size() ? h.z[i] : std::nan("");
  };
  Range zr;
  for (std::size_t r = 0; r < ny; ++r) {
    for (std::size_t c = 0; c < nx; ++c) zr.add(z_at(r, c));
  }
  std::size_t ylen = 1, xlen = 1;
  for (const auto& s : h.y_ticks) ylen = std::max(ylen, std::min<std::size_t>(s.size(), 28));
  for (const auto& s : h.x_ticks) xlen = std::max(xlen, std::min<std::size_t>(s.size(), 28));
  const double left = std::clamp(static_cast<double>(ylen) * 7 + 40, 64.0, 240.0);
  const double right = 110, top = 28;
  const double plot_w = kWidth - left - right;
  const double cw = nx == 0 ? plot_w : plot_w / static_cast<double>(nx);
  const double ch = ny == 0 ? 30 : std::clamp(320 / static_cast<double>(ny), 14.0, 40.0);
  const double plot_h = ny == 0 ? 300 : ch * static_cast<double>(ny);
  const bool rotate = static_cast<double>(xlen) * 6.5 + 6 > cw;
  const double tick_h = rotate ? static_cast<double>(xlen) * 5 + 14 : 20;
  const double bottom = tick_h + 30;
  const double height = top + plot_h + bottom;
  const double x0 = left, y0 = top, y1 = top + plot_h;

  Out out;
  open_svg(out, kWidth, height, h.title);
  if (!h.y_label.empty()) {
    put(out,
        "<text class=\"label\" transform=\"translate(16 {}) rotate(-90)\" "
        "text-anchor=\"middle\">{}</text>\n",
        coord((y0 + y1) / 2), escape(h.y_label));
  }
  if (!h.x_label.empty()) {
    put(out, "<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
        coord(x0 + plot_w / 2), coord(height - 10), escape(h.x_label));
  }
  if (nx == 0 || ny == 0) {
    put(out, "<text class=\"nodata\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">No data</text>\n",
        coord(x0 + plot_w / 2), coord((y0 + y1) / 2));
    out += "</svg>\n";
    return out;
  }
  const Ticks zt = nice_ticks(zr.lo, zr.hi, 5);
  auto norm = [&](double z) { return (z - zt.lo) / (zt.hi - zt.lo); };
  const bool values = nx * ny <= 200 && cw >= 34 && ch >= 16;
  out += "<g class=\"cells\">";
  for (std::size_t r = 0; r < ny; ++r) {
    const double cy = y1 - static_cast<double>(r + 1) * ch;  // row 0 at the bottom
    for (std::size_t c = 0; c < nx; ++c) {
      const double cx = x0 + static_cast<double>(c) * cw;
      const double z = z_at(r, c);
      const bool has = finite(z);
      const std::string fill = has ? scale_colour(norm(z)) : std::string("#e5e7eb");
      put(out,
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}, {}: {}"
          "</title></rect>",
          coord(cx), coord(cy), coord(cw), coord(ch), fill, escape(h.x_ticks[c]),
          escape(h.y_ticks[r]), has ? escape(short_number(z, h.z_percent)) : "no value");
      if (values) {
        const bool dark = has && norm(z) < 0.6;
        put(out, "<text class=\"cellv{}\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            dark ? " light" : "", coord(cx + cw / 2), coord(cy + ch / 2 + 4),
            has ? escape(short_number(z, h.z_percent)) : "-");
      }
    }
    out += "\n";
  }
  out += "</g>\n<g class=\"tick\">";
  // Row labels, thinned so that they do not overlap (at least 12 px apart).
  const auto ystride = static_cast<std::size_t>(std::max(1.0, std::ceil(12 / ch)));
  for (std::size_t r = 0; r < ny; r += ystride) {
    put(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", coord(x0 - 6),
        coord(y1 - (static_cast<double>(r) + 0.5) * ch + 4), escape(h.y_ticks[r]));
  }
  const double xneed = rotate ? 13 : static_cast<double>(xlen) * 6.5 + 6;
  const auto xstride = static_cast<std::size_t>(std::max(1.0, std::ceil(xneed / cw)));
  for (std::size_t c = 0; c < nx; c += xstride) {
    const double cx = x0 + (static_cast<double>(c) + 0.5) * cw;
    if (rotate) {
      put(out, "<text transform=\"translate({} {}) rotate(-40)\" text-anchor=\"end\">{}</text>",
          coord(cx + 3), coord(y1 + 14), escape(h.x_ticks[c]));
    } else {
      put(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", coord(cx),
          coord(y1 + 16), escape(h.x_ticks[c]));
    }
  }
  out += "</g>\n";
  // Colour scale: a bar of 40 steps from zt.lo (bottom) to zt.hi (top), with nice ticks.
  const double bx = kWidth - right + 22, bw = 14;
  out += "<g class=\"scale\">";
  constexpr int kSteps = 40;
  const double sh = plot_h / kSteps;
  for (int i = 0; i < kSteps; ++i) {
    const double t = (i + 0.5) / kSteps;
    put(out, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>", coord(bx),
        coord(y1 - (i + 1) * sh), coord(bw), coord(sh + 0.5), scale_colour(t));
  }
  out += "</g>\n<g class=\"tick\">";
  for (double v : zt.values) {
    const double y = y1 - norm(v) * plot_h;
    put(out, "<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", coord(bx + bw),
        coord(y), coord(bx + bw + 4), coord(y));
    put(out, "<text x=\"{}\" y=\"{}\">{}</text>", coord(bx + bw + 7), coord(y + 4),
        escape(tick_label(v, zt, h.z_percent)));
  }
  out += "</g>\n";
  if (!h.z_label.empty()) {
    put(out, "<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
        coord(kWidth - 6), coord(top - 10), escape(h.z_label));
  }
  if (!zr.any) {
    put(out, "<text class=\"nodata\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">No data</text>\n",
        coord(x0 + plot_w / 2), coord((y0 + y1) / 2));
  }
  out += "</svg>\n";
  return out;
}

}  // namespace backstop::html
