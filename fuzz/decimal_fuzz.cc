// libFuzzer target: cmake --preset fuzz && cmake --build --preset fuzz &&
// build/fuzz/fuzz/decimal_fuzz
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  backstop::fuzz::decimal(data, size);
  return 0;
}
