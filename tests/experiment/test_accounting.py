"""The time account: FLOP counts against hand counts, the record and its JSON form (no timings asserted)."""

from __future__ import annotations

import json

import pytest

from deeprg.experiment.accounting import (
    RunAccount,
    StageAccount,
    account_summary,
    busy_seconds,
    cd_products,
    format_account,
    measure_gemm_peak,
    rbm_training_flops,
    run_account,
    stage_flops,
)
from deeprg.experiment.config import load_config, resolve
from deeprg.experiment.stages import StageRecord


def test_cd1_makes_five_products_per_sample_as_counted_by_hand():
    # v W^T (data), h W, v_1 W^T, and the two phases' statistics h^T v: 5 products
    assert cd_products(1) == 5
    # PCD adds the chains' own P(h|v) at the start; each further Gibbs step adds h W and v W^T
    assert cd_products(1, persistent=True) == 6
    assert cd_products(2) == 7


def test_the_paper_first_layer_epoch_is_128_gflop():
    # DESIGN.md section 5: 10 n V H = 10 * 20000 * 1600 * 400 = 1.28e11 per CD-1 epoch
    assert rbm_training_flops(20_000, 1600, 400, 1) == 10 * 20_000 * 1600 * 400
    assert rbm_training_flops(20_000, 1600, 400, 50) == 50 * 1.28e11
    assert rbm_training_flops(10, 3, 2, 1, sklearn=True) == 2 * 10 * 3 * 2 * 5
    assert rbm_training_flops(10, 3, 2, 1, cd_k=3, persistent=True) == 2 * 10 * 3 * 2 * 10


@pytest.fixture(scope="module")
def paper():
    return resolve(load_config(None))


def test_stage_flops_of_the_default_experiment_by_hand(paper):
    n, held = paper.ensemble.n_samples, paper.ensemble.n_held_out
    assert (n, held, paper.network.layers, paper.network.epochs) == (20_000, 2_000, [400, 100, 25], 50)
    training = 10 * n * 50 * (1600 * 400 + 400 * 100 + 100 * 25)
    transforms = 2 * (n + held) * (1600 * 400 + 400 * 100)  # to layer 2 and layer 3; nothing above the top
    for variant in ("l1", "none", "sklearn"):
        assert stage_flops(paper, f"train/{variant}") == training + transforms
        assert stage_flops(paper, f"train/{variant}/replicate-1") == training + transforms  # another training seed
    for strength in paper.scan.strengths:  # one stage per strength, each one first layer
        assert stage_flops(paper, f"scan/l1-{strength!r}") == 10 * n * 1600 * 400 * paper.scan.epochs
    for stage in ("ensemble", "held_out", "analyze/l1", "controls", "exact_1d", "scan", "report"):
        assert stage_flops(paper, stage) == 0.0


def test_run_account_divides_by_the_given_peak(paper):
    records = [StageRecord("ensemble", "h", [], 10.0), StageRecord("train/l1", "h", [], 200.0),
               StageRecord("scan", "h", [], 300.0, skipped=True)]
    peak = 1e11
    account = run_account(paper, records, peak=peak)
    assert account.gemm_peak_gflops == 100.0
    ens, train, scan = account.stages
    assert (ens.flops, ens.floor_seconds, ens.ratio_to_floor) == (0.0, 0.0, None)
    assert train.floor_seconds == pytest.approx(stage_flops(paper, "train/l1") / peak, rel=1e-12)
    assert train.ratio_to_floor == pytest.approx(200.0 / train.floor_seconds, rel=1e-12)
    assert scan.reused and not train.reused
    assert account.seconds == 510.0
    assert account.flops == train.flops + scan.flops
    assert account.ratio_to_floor == pytest.approx(510.0 / ((train.flops + scan.flops) / peak), rel=1e-12)


def test_the_account_round_trips_through_json_and_formats(paper):
    account = run_account(paper, [StageRecord("train/none", "h", [], 100.0)], peak=2e11)
    data = json.loads(account.to_json())
    assert RunAccount.from_dict(data) == account
    assert isinstance(account.stages[0], StageAccount)
    text = format_account(data)
    assert "train/none" in text and f"{account.ratio_to_floor:.2f}" in text and "200.0 GFLOP/s" in text
    assert f"{account.ratio_to_floor:.2f}x its floor" in account_summary(account)


def test_an_account_without_counted_flops_has_no_ratio(paper):
    account = run_account(paper, [StageRecord("ensemble", "h", [], 3.0)], peak=1e9)
    assert account.ratio_to_floor is None and account.floor_seconds == 0.0
    assert "n/a" in format_account(account)


def test_the_peak_is_a_positive_rate():
    assert measure_gemm_peak(size=64, repeats=1) > 0
    assert measure_gemm_peak(size=64, repeats=1, threads=1) > 0  # as in a worker process of one thread


def test_an_account_measures_the_peak_on_every_core(paper):
    from threadpoolctl import threadpool_limits

    from deeprg.resources import available_cores

    with threadpool_limits(limits=1, user_api="blas"):  # the report stage in a worker of one thread
        account = run_account(paper, [StageRecord("train/l1", "h", [], 1.0, threads=1)])
    assert account.peak_threads == available_cores() and account.gemm_peak_gflops > 0


def test_busy_seconds_is_the_union_of_the_stages_intervals():
    # two stages side by side (10-40 and 20-50) then one after a pause (100-105): 40 + 5 seconds of stages running
    records = [StageRecord("a", "h", [], 30.0, started=10.0), StageRecord("b", "h", [], 30.0, started=20.0),
               StageRecord("c", "h", [], 5.0, started=100.0)]
    assert busy_seconds(records) == 45.0
    # one inside another counts once; a record without a start time adds its seconds
    records = [StageRecord("a", "h", [], 30.0, started=0.0), StageRecord("b", "h", [], 10.0, started=5.0),
               StageRecord("old", "h", [], 7.0)]
    assert busy_seconds(records) == 37.0
    # one after the other: the sum (a serial run's seconds are its stages')
    assert busy_seconds([StageRecord("a", "h", [], 2.0, started=0.0), StageRecord("b", "h", [], 3.0, started=2.0)]) == 5.0


def test_a_stage_on_one_of_two_threads_has_its_floor_at_half_the_peak(paper):
    peak = 2e11
    records = [StageRecord("train/l1", "h", [], 100.0, started=0.0, threads=1),
               StageRecord("train/l2", "h", [], 100.0, started=0.0, threads=1)]
    account = run_account(paper, records, peak=peak, peak_threads=2)
    flops = stage_flops(paper, "train/l1")
    for stage in account.stages:
        assert stage.threads == 1
        assert stage.floor_seconds == pytest.approx(flops / (peak / 2), rel=1e-12)
    # side by side: the run took 100 s for twice the FLOPs, against a floor at the whole peak
    assert account.seconds == 100.0 and account.stage_seconds == 200.0
    assert account.floor_seconds == pytest.approx(2 * flops / peak, rel=1e-12)
    assert account.ratio_to_floor == pytest.approx(100.0 / (2 * flops / peak), rel=1e-12)
    assert "at once" in format_account(account)
    # a stage recorded with more threads than the peak's is held to the whole peak, not more
    more = run_account(paper, [StageRecord("train/l1", "h", [], 100.0, threads=4)], peak=peak, peak_threads=2)
    assert more.stages[0].floor_seconds == pytest.approx(flops / peak, rel=1e-12)
