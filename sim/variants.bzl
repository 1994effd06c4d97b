"""The simulator's scenario stack, built once per protocol core variant.

The production core (//core:memberlist) ignores Config::planted_bugs; the
planted-bugs core honours it. Everything that links a core (Cluster, the
scenario runner, swimsim) exists in both flavours, so one binary never links
two copies of memberlist.cc.
"""

load("//bazel:copts.bzl", "SWIM_DEFAULT_COPTS")

# toml++ from Debian is a compiled library (see its pkg-config file).
TOML_DEFINES = [
    "TOML_HEADER_ONLY=0",
    "TOML_SHARED_LIB=1",
]

def swim_sim_variant(suffix, core, local_defines = [], testonly = False):
    """Defines cluster<suffix>, hostile<suffix>, scenario_runner<suffix>,
    swimsim<suffix>."""
    native.cc_library(
        name = "cluster" + suffix,
        testonly = testonly,
        srcs = ["cluster.cc"],
        hdrs = ["cluster.h"],
        copts = SWIM_DEFAULT_COPTS,
        deps = [
            ":sim",
            core,
        ],
    )
    # Hostile peers for robustness tests and the `hostile` action (hostile.h).
    native.cc_library(
        name = "hostile" + suffix,
        testonly = testonly,
        srcs = ["hostile.cc"],
        hdrs = ["hostile.h"],
        copts = SWIM_DEFAULT_COPTS,
        deps = [
            ":cluster" + suffix,
            ":sim",
            core,
            "//core:wire",
            "@system//:absl",
        ],
    )
    native.cc_library(
        name = "scenario_runner" + suffix,
        testonly = testonly,
        srcs = native.glob(["actions/*.cc"]) + [
            "checkers.cc",
            "chrome_trace.cc",
            "html_report.cc",
            "faults.cc",
            "fuzz_world.cc",
            "hostile_checker.cc",
            "metrics.cc",
            "report.cc",
            "runner.cc",
            "scenario.cc",
            "scenario_toml.cc",
            "shrink.cc",
            "timeline.cc",
        ],
        hdrs = [
            "actions/action.h",
            "actions/params.h",
            "actions/registry.inc",
            "checkers.h",
            "chrome_trace.h",
            "html_report.h",
            "faults.h",
            "fuzz_world.h",
            "metrics.h",
            "report.h",
            "runner.h",
            "scenario.h",
            "scenario_toml.h",
            "shrink.h",
            "timeline.h",
        ],
        copts = SWIM_DEFAULT_COPTS,
        defines = TOML_DEFINES,
        local_defines = local_defines,
        deps = [
            ":cluster" + suffix,
            ":hostile" + suffix,
            ":sim",
            "//core:util",
            "@system//:absl",
            "@system//:tomlplusplus",
        ],
    )
    native.cc_binary(
        name = "swimsim" + suffix,
        testonly = testonly,
        srcs = ["swimsim_main.cc"],
        copts = SWIM_DEFAULT_COPTS,
        deps = [
            ":scenario_runner" + suffix,
            "@system//:absl",
            "@system//:boost_program_options",
        ],
    )
