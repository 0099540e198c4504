"""Sampler interface: reproducibility, resumption, chains, automatic spacing, validation."""

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.ising import (
    IsingModel,
    MetropolisSampler,
    SwendsenWangSampler,
    WolffSampler,
    make_sampler,
)
from deeprg.ising.exact import CRITICAL_COUPLING
from deeprg.stats import integrated_autocorrelation_time

SAMPLERS = [MetropolisSampler, WolffSampler, SwendsenWangSampler]


@pytest.mark.parametrize("cls", SAMPLERS)
def test_same_seed_same_bits(cls):
    a = cls(IsingModel(8), 0.4, random_state=42).sample(300)
    b = cls(IsingModel(8), 0.4, random_state=42).sample(300)
    np.testing.assert_array_equal(a.spins, b.spins)
    np.testing.assert_array_equal(a.energy, b.energy)
    assert a.spacing == b.spacing and a.tau == b.tau
    c = cls(IsingModel(8), 0.4, random_state=43).sample(300)
    assert not np.array_equal(a.spins, c.spins)


@pytest.mark.parametrize("cls", SAMPLERS)
def test_parallel_chains_do_not_depend_on_threads(cls):
    one = cls(IsingModel(8), 0.4, random_state=1, n_chains=3, n_jobs=1).sample(301, n_thermalize=50, spacing=2)
    many = cls(IsingModel(8), 0.4, random_state=1, n_chains=3, n_jobs=3).sample(301, n_thermalize=50, spacing=2)
    np.testing.assert_array_equal(one.spins, many.spins)
    assert one.n_chains == 3 and np.array_equal(np.bincount(one.chain), [101, 100, 100])
    # chains are independent streams: different configurations
    assert not np.array_equal(one.spins[one.chain == 0][:50], one.spins[one.chain == 1][:50])


@pytest.mark.parametrize("cls", SAMPLERS)
def test_continuing_equals_one_long_run(cls):
    """Sampling twice from the kept state gives exactly the samples of one longer run."""
    whole = cls(IsingModel(6), 0.4, random_state=9).sample(200, n_thermalize=20, spacing=3)
    sampler = cls(IsingModel(6), 0.4, random_state=9)
    first = sampler.sample(120, n_thermalize=20, spacing=3)
    second = sampler.sample(80, n_thermalize=0, spacing=3)
    np.testing.assert_array_equal(np.concatenate([first.spins, second.spins]), whole.spins)
    # and a fresh sampler given the saved chain state continues identically
    other = cls(IsingModel(6), 0.4, random_state=12345)
    resumed = cls(IsingModel(6), 0.4, random_state=9)
    resumed.sample(120, n_thermalize=20, spacing=3)
    other.set_state(resumed.state_)
    np.testing.assert_array_equal(other.sample(80, n_thermalize=0, spacing=3).spins, second.spins)


def test_auto_spacing_follows_measured_tau():
    sampler = WolffSampler(IsingModel(16), CRITICAL_COUPLING, random_state=0)
    samples = sampler.sample(100)
    tau = max(samples.tau["energy"], samples.tau["abs_magnetization"])
    assert samples.spacing == max(1, int(np.ceil(2 * tau)))
    assert samples.n_thermalize >= 20 * tau
    assert set(samples.tau) == {"energy", "abs_magnetization"}


def test_dynamic_exponents_metropolis_vs_wolff():
    """At K_c, Metropolis slows down as tau ~ L^z with z ~ 2.17; Wolff barely does (z ~ 0.25)."""

    def tau_abs_m(cls, L, n):
        run = cls(IsingModel(L), CRITICAL_COUPLING, random_state=L).sample(n, n_thermalize=5_000, spacing=1)
        return integrated_autocorrelation_time(np.abs(run.magnetization))

    metro = [tau_abs_m(MetropolisSampler, L, 400_000) for L in (16, 32)]
    wolff = [tau_abs_m(WolffSampler, L, 100_000) for L in (16, 32)]
    z_metro = np.log2(metro[1].tau / metro[0].tau)
    z_wolff = np.log2(wolff[1].tau / wolff[0].tau)
    # tau errors are ~5% here (Madras-Sokal), i.e. about 0.1 on each z: the bounds are > 4 sigma away
    z_error = np.hypot(metro[0].error / metro[0].tau, metro[1].error / metro[1].tau) / np.log(2)
    assert z_error < 0.1
    assert z_metro > 1.6, f"Metropolis z = {z_metro:.2f}"
    assert z_wolff < 1.0, f"Wolff z (in clusters) = {z_wolff:.2f}"


def test_sampleset_contents():
    samples = SwendsenWangSampler(IsingModel(6), 0.3, random_state=4).sample(50, n_thermalize=10, spacing=2)
    assert samples.spins.shape == (50, 6, 6) and samples.spins.dtype == np.int8
    model = IsingModel(6)
    np.testing.assert_allclose(samples.energy, model.energy(samples.spins) / 36)
    np.testing.assert_allclose(samples.magnetization, model.magnetization(samples.spins) / 36)
    assert samples.as_binary().shape == (50, 36)
    assert samples.seed == 4 and samples.algorithm == "swendsen-wang" and samples.spacing == 2
    assert samples.config["n_samples"] == 50 and samples.config["spacing"] == 2


def test_ordered_start_below_critical_temperature():
    sampler = MetropolisSampler(IsingModel(8), 1.0, random_state=0)
    samples = sampler.sample(5, n_thermalize=0, spacing=1)
    assert np.all(np.abs(samples.magnetization) > 0.9)


def test_progress_reports_thermalization_then_samples():
    seen = []
    WolffSampler(IsingModel(8), 0.3, random_state=0).sample(50, progress=lambda *a: seen.append(a))
    assert seen[-1] == ("sample", "sample: 50/50 configurations", 50, 50)
    tasks = [task for task, *_ in seen]
    assert tasks[0] == "thermalize" and tasks == sorted(tasks, key=("thermalize", "sample").index)
    for task in ("thermalize", "sample"):
        done = [completed for t, _, completed, _ in seen if t == task]
        assert done == sorted(done) and done[0] > 0
    assert all(total is None for task, _, _, total in seen if task == "thermalize")


def test_progress_within_a_task():
    from deeprg.progress import within

    seen = []
    WolffSampler(IsingModel(8), 0.3, random_state=0).sample(20, progress=within(lambda *a: seen.append(a), "ensemble"))
    assert {task for task, *_ in seen} == {"ensemble"}
    assert seen[0][1].startswith("thermalize: ") and seen[-1][1:] == ("sample: 20/20 configurations", 20, 20)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(beta=0.0), "beta"),
        (dict(beta=-1.0), "beta"),
        (dict(beta=float("inf")), "beta"),
        (dict(n_chains=0), "n_chains"),
        (dict(initial="hot"), "initial"),
    ],
)
def test_constructor_validation(kwargs, match):
    args = dict(beta=0.4) | kwargs
    beta = args.pop("beta")
    with pytest.raises(InvalidParameterError, match=match):
        WolffSampler(IsingModel(4), beta, **args)


def test_odd_lattice_checkerboard_refused_with_advice():
    with pytest.raises(InvalidParameterError, match="even lattice size.*random"):
        MetropolisSampler(IsingModel(5), 0.4)
    MetropolisSampler(IsingModel(5), 0.4, order="random")  # the advice works


def test_cluster_samplers_refuse_antiferromagnet():
    with pytest.raises(InvalidParameterError, match="ferromagnet"):
        WolffSampler(IsingModel(4, coupling=-1.0), 0.4)


@pytest.mark.parametrize("kwargs", [dict(n_samples=0), dict(n_samples=10, spacing=0), dict(n_samples=10, n_thermalize=-1),
                                    dict(n_samples=10, spacing="fast")])
def test_sample_validation(kwargs):
    n = kwargs.pop("n_samples")
    with pytest.raises(InvalidParameterError):
        WolffSampler(IsingModel(4), 0.4, random_state=0).sample(n, **kwargs)


def test_make_sampler():
    assert isinstance(make_sampler("Wolff", IsingModel(4), 0.4), WolffSampler)
    with pytest.raises(InvalidParameterError, match="unknown algorithm 'heatbath'.*metropolis, wolff, swendsen-wang"):
        make_sampler("heatbath", IsingModel(4), 0.4)
