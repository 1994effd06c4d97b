"""The simulator's scenario stack, built once per protocol core variant.

The production core (//core:memberlist) ignores Config::planted_bugs; the
planted-bugs core honours it. Everything that links a core (Cluster, the
scenario runner, swimsim) exists in both flavours, so one binary never links
two copies of memberlist.cc.
"""

load("//bazel:copts.bzl", "SWIM_DEFAULT_COPTS")

# Who may depend on the simulator's targets.
SIM_CLIENTS = [
    "//bench:__subpackages__",
    "//tests:__subpackages__",
    "//tools:__subpackages__",
]

# toml++ from Debian is a compiled library (see its pkg-config file).
TOML_DEFINES = [
    "TOML_HEADER_ONLY=0",
    "TOML_SHARED_LIB=1",
]

def swim_sim_variant(suffix, core, local_defines = [], testonly = False):
    """Defines cluster<suffix>, hostile<suffix>, scenario_runner<suffix>,
    swimsim<suffix>.

    :cluster is testonly only in the planted-bugs variant (benchmark probes
    link the production one). :hostile (attack traffic) is always testonly,
    and so is everything that links it: the scenario runner and swimsim,
    which `bazel run` still runs.
    """
    native.cc_library(
        name = "cluster" + suffix,
        testonly = testonly,
        srcs = ["cluster.cc"],
        hdrs = ["cluster.h"],
        copts = SWIM_DEFAULT_COPTS,
        visibility = SIM_CLIENTS,
        deps = [
            ":sim",
            core,
            "//core:check",
            "//core:config",
        ],
    )

    # Hostile peers for robustness tests and the `hostile` action (hostile.h).
    native.cc_library(
        name = "hostile" + suffix,
        testonly = True,
        srcs = ["hostile.cc"],
        hdrs = ["hostile.h"],
        copts = SWIM_DEFAULT_COPTS,
        visibility = SIM_CLIENTS,
        deps = [
            ":cluster" + suffix,
            ":sim",
            core,
            "//core:address",
            "//core:check",
            "//core:config",
            "//core:keyring",
            "//core:limits",
            "//core:rng",
            "//core:wire",
            "@system//:absl",
        ],
    )
    native.cc_library(
        name = "scenario_runner" + suffix,
        testonly = True,
        srcs = native.glob(["actions/*.cc"]) + [
            "checkers.cc",
            "chrome_trace.cc",
            "html_report.cc",
            "faults.cc",
            "fuzz_world.cc",
            "hostile_checker.cc",
            "merge.cc",
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
            "merge.h",
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
        visibility = SIM_CLIENTS,
        deps = [
            ":cluster" + suffix,
            ":hostile" + suffix,
            ":sim",
            core,
            "//core:address",
            "//core:check",
            "//core:config",
            "//core:planted_bugs",
            "//core:util",
            "@system//:absl",
            "@system//:tomlplusplus",
        ],
    )
    native.cc_binary(
        name = "swimsim" + suffix,
        testonly = True,
        srcs = ["swimsim_main.cc"],
        copts = SWIM_DEFAULT_COPTS,
        # A tool: swim_scenario_test (sim/scenario_test.bzl) runs it from
        # any package that declares a sweep of its own scenario.
        visibility = ["//visibility:public"],
        deps = [
            ":scenario_runner" + suffix,
            "@system//:absl",
            "@system//:boost_program_options",
        ],
    )
