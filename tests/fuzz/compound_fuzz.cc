// libFuzzer target: see fuzz_entries.h (FuzzCompound).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return swim::fuzz::FuzzCompound(data, size);
}
