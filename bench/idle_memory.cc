// Idle-memory probe: how much slower random reads of a large array become after the process has
// left it untouched for a while. It explains most of the spread of monitor/first_tick on the
// benchmark machine (BENCHMARKS.md, "Idle memory on this machine"): a monitor's per-account
// records are read at random, a few thousand per tick, and a benchmark that leaves them idle for
// minutes (the bisections used to) measures the host as much as the monitor.
//
// A 1.28 GB array (10M records of 128 bytes, the monitor's record size) on transparent huge pages
// is written once; then, after each pause in the schedule below, 6,000 random records are read
// (two lines each, prefetched 16 ahead, as the monitor's crossing loop does) and read again
// (warm: the lines are in cache, so the second figure is address translation and nothing else).
// A sleeping process stands for one busy elsewhere; the figures are wall time.
//
// Run: build/release/bench/backstop_idle_probe   (~4 minutes, mostly asleep; not part of CI)
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <vector>

namespace {

double wall_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main() {
  constexpr std::size_t kRecords = 10'000'000;
  constexpr std::size_t kRecord = 128;
  constexpr std::size_t kBytes = kRecords * kRecord;
  constexpr std::size_t kReads = 6'000;
  auto* meta = static_cast<char*>(std::aligned_alloc(std::size_t{2} << 20, kBytes));
  if (meta == nullptr) return 1;
  (void)madvise(meta, kBytes, MADV_HUGEPAGE);
  std::memset(meta, 1, kBytes);
  std::mt19937_64 g(1);
  uint64_t sum = 0;
  std::printf("pause_s,cold_us,cold_ns_per_read,warm_us\n");
  for (const unsigned pause : {0U, 0U, 2U, 10U, 30U, 60U, 120U, 0U, 0U}) {
    if (pause > 0) sleep(pause);
    std::vector<std::size_t> at(kReads);
    for (std::size_t& x : at) x = static_cast<std::size_t>(g() % kRecords) * kRecord;
    const double a = wall_now();
    for (std::size_t i = 0; i < kReads; ++i) {
      if (i + 16 < kReads) {
        __builtin_prefetch(meta + at[i + 16]);
        __builtin_prefetch(meta + at[i + 16] + 64);
      }
      sum += static_cast<uint64_t>(meta[at[i]] + meta[at[i] + 100]);
    }
    const double b = wall_now();
    for (std::size_t i = 0; i < kReads; ++i) sum += static_cast<uint64_t>(meta[at[i] + 1]);
    const double c = wall_now();
    std::printf("%u,%.0f,%.0f,%.0f\n", pause, (b - a) * 1e6, (b - a) * 1e9 / kReads, (c - b) * 1e6);
    std::fflush(stdout);
  }
  std::free(meta);
  return sum == 42 ? 2 : 0;  // keeps the reads
}
