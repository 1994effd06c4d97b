"""Build macros every package of the project uses (see docs/build.md)."""

load("//bazel:copts.bzl", "SWIM_TEST_COPTS")

def swim_cc_test(name, copts = [], deps = [], gtest_main = True, **kwargs):
    """A C++ test of the project.

    Compiles with SWIM_TEST_COPTS (plus `copts`) and links gtest's main
    unless gtest_main = False (a test with its own main() depends on
    @system//:gtest itself). Every other cc_test attribute (srcs, size, data,
    args, env, shard_count, tags, local_defines, ...) passes through.
    Visibility is the package's default (private): nothing depends on a test.
    """
    native.cc_test(
        name = name,
        copts = SWIM_TEST_COPTS + copts,
        deps = deps + (["@system//:gtest_main"] if gtest_main else []),
        **kwargs
    )
