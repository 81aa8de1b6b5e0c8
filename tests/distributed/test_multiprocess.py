"""Two real processes under mpiexec: collectives against NumPy, DistributedDataParallel against one
process on the global batch, the sampler's partition, and a failing rank that must end the job.

Each test starts one job (about a second of start-up) that runs scenarios from ranks.py.
"""

from .launch import HERE, run_ranks, run_scenarios

def test_collectives_match_numpy_for_every_op_and_dtype():
    run_scenarios("collectives")


def test_ranks_that_disagree_get_the_same_clear_error():
    run_scenarios("mismatches")


def test_ddp_on_two_ranks_takes_the_steps_of_one_process_on_the_global_batch():
    run_scenarios("ddp_matches_one_process")


def test_no_sync_accumulates_and_the_next_backward_averages_the_sum():
    run_scenarios("ddp_no_sync_accumulates")


def test_ddp_refuses_different_models_and_names_unused_parameters():
    run_scenarios("ddp_checks")


def test_distributed_sampler_partitions_the_data_across_the_ranks():
    run_scenarios("sampler")


def test_a_rank_that_raises_ends_the_job_with_its_error_instead_of_hanging():
    # rank 0 waits in an all_reduce that rank 1 never joins: without the abort it would wait
    # forever, and run_ranks would kill the job at the limit and fail the test
    job = run_ranks([str(HERE / "ranks.py"), "rank_raises"], timeout=60)
    assert job.returncode != 0, job.describe()
    assert "ValueError: planted failure on rank 1" in job.stderr, job.describe()
    assert "aborting all 2 processes" in job.stderr, job.describe()
    assert "rank 0 got past the all_reduce" not in job.stdout, job.describe()
