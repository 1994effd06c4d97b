"""Compiler options shared by the project's own targets (like absl/copts)."""

# Warnings as errors on our code only; system headers come in with -isystem.
SWIM_DEFAULT_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
    "-Wno-missing-field-initializers",
    "-isystem",
    "/usr/include/android",
]

# core/ proves it throws nothing: it builds without exceptions (leveldb does
# the same). Hostile input is answered with a Status, never a throw.
SWIM_CORE_COPTS = SWIM_DEFAULT_COPTS + ["-fno-exceptions"]

SWIM_TEST_COPTS = SWIM_DEFAULT_COPTS + ["-Wno-sign-compare"]
