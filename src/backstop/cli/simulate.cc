// `backstop simulate CONFIG`: parse (every error reported, nothing run), simulate with a progress
// bar on a terminal, render everything in memory, then write (temporary file + rename).
#include "backstop/sim/simulate.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "backstop/cli/commands.h"
#include "backstop/report/simulation.h"

namespace backstop::cli {

void write_atomically(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << content;
    f.flush();
    if (!f) {
      throw std::filesystem::filesystem_error("cannot write", tmp,
                                              std::make_error_code(std::errc::io_error));
    }
  }
  std::filesystem::rename(tmp, path);
}

namespace {

// "[#######.............] 312/1000 paths  45.2/s  ETA 15 s" on stderr, redrawn in place.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  ~ProgressBar() { finish(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(const std::string& phase, int64_t done, int64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (phase != phase_) {
      phase_ = phase;
      start_ = now;
    }
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    const int width = 24;
    const int filled = total > 0 ? static_cast<int>(width * done / total) : 0;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(static_cast<std::size_t>(width), '.');
    std::string eta = "--";
    if (rate > 0 && done < total) {
      eta = fmt::format("{:.0f} s", static_cast<double>(total - done) / rate);
    } else if (done >= total) {
      eta = "0 s";
    }
    std::fprintf(stderr, "\r[%s] %lld/%lld %s  %.1f/s  ETA %s   ", bar.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total), phase.c_str(), rate,
                 eta.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }
  void finish() {
    if (enabled_ && drawn_) {
      std::fputs("\n", stderr);
      drawn_ = false;
    }
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::string phase_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

int simulate_command(const SimulateOptions& opt) {
  sim::ConfigResult parsed = sim::parse_sim_config_file(opt.config);
  if (!parsed.config) {
    for (const std::string& e : parsed.errors) std::cerr << e << '\n';
    std::cerr << fmt::format("backstop: {} error{}; nothing was run or written\n",
                             parsed.errors.size(), parsed.errors.size() == 1 ? "" : "s");
    return kExitInvalidInput;
  }
  sim::SimConfig cfg = std::move(*parsed.config);
  if (opt.paths) {
    if (cfg.source.kind != sim::SourceKind::MonteCarlo) {
      std::cerr << "backstop simulate: --paths applies to Monte Carlo sources only\n";
      return kExitInvalidInput;
    }
    cfg.paths = *opt.paths;
  }
  if (opt.seed) cfg.seed = *opt.seed;

  ProgressBar bar(!opt.quiet && isatty(STDERR_FILENO) != 0);
  sim::SimOptions so;
  so.threads = opt.threads;
  so.progress = [&](const std::string& phase, int64_t done, int64_t total) {
    bar.update(phase, done, total);
  };
  std::optional<sim::SimResult> result;
  try {
    result = sim::simulate(cfg, so);
  } catch (const std::invalid_argument& e) {
    bar.finish();
    std::cerr << "backstop simulate: " << e.what() << "; nothing written\n";
    return kExitInvalidInput;
  } catch (const std::exception& e) {
    bar.finish();
    std::cerr << fmt::format(
        "backstop simulate: {}: internal error while running: {}; nothing "
        "written\n",
        opt.config, e.what());
    return kExitInternal;
  }
  bar.finish();
  const sim::SimResult& r = *result;
  const std::string json = simulation_json_text(r);
  if (!opt.out_dir.empty()) {
    const std::string html = simulation_html(r);
    const std::string paths = simulation_paths_csv(r);
    const std::string series = simulation_series_csv(r);
    const std::filesystem::path dir(opt.out_dir);
    std::filesystem::create_directories(dir);
    write_atomically(dir / (r.name + ".json"), json);
    write_atomically(dir / (r.name + ".html"), html);
    write_atomically(dir / (r.name + "-paths.csv"), paths);
    write_atomically(dir / (r.name + "-series.csv"), series);
  }
  const std::string out = opt.json ? json : simulation_text(r);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace backstop::cli
