"""swim_scenario_test: a seed sweep of a simulator scenario as a Bazel test.

    load("@swim//sim:scenario_test.bzl", "swim_scenario_test")

    swim_scenario_test(
        name = "my_cluster_sweep",
        scenario = "my_cluster.toml",
        seeds = "1..10000",
        shard_count = 50,
        tags = ["manual"],
    )

`bazel test :my_cluster_sweep` runs the scenario through swimsim for every
seed and passes iff every checker and [expect] line held. With
shard_count = N, Bazel runs N shards (in parallel on local cores, or on N
machines under remote execution): shard I runs the seeds at positions I,
I+N, I+2N, ... of the list, so each shard gets the same mix. Each shard
writes its JSON report to its undeclared outputs
(bazel-testlogs/<package>/<name>/shard_<I+1>_of_<N>/test.outputs/), and
`swimsim merge` turns them into the report of one run over every seed.
Each shard's verdict covers its own seeds ([expect] percentiles over those
seeds); the merged report gives the whole sweep's.
"""

def swim_scenario_test(
        name,
        scenario,
        seeds = "",
        shard_count = 1,
        jobs = 1,
        size = "large",
        tags = [],
        **kwargs):
    """Declares a sharded seed sweep of `scenario` as an sh_test.

    Args:
      name: the test target's name.
      scenario: label of the scenario TOML file.
      seeds: "A..B" or "1,5,9"; "" runs the scenario's own `seeds`.
      shard_count: Bazel shards to split the seeds over.
      jobs: threads inside each shard (swimsim --jobs); keep 1 when Bazel
        already runs one shard per core.
      size: the test size (timeout class).
      tags: test tags, e.g. ["manual"] for large sweeps.
      **kwargs: passed to sh_test (timeout, flaky, visibility, ...).
    """
    swimsim = Label("//sim:swimsim")
    args = [
        "$(rootpath %s)" % swimsim,
        "$(rootpath %s)" % scenario,
        "'%s'" % seeds,
    ]
    if jobs > 1:
        args.append("--jobs=%d" % jobs)
    native.sh_test(
        name = name,
        srcs = [Label("//sim:scenario_shard_test.sh")],
        args = args,
        data = [swimsim, scenario],
        shard_count = shard_count,
        size = size,
        tags = tags,
        **kwargs
    )
