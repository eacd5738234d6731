// libFuzzer target: cmake --preset fuzz && cmake --build --preset fuzz &&
// build/fuzz/fuzz/resolution_fuzz
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  (void)backstop::fuzz::resolution_events(data, size);
  return 0;
}
