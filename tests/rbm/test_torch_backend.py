"""The torch backend of BernoulliRBM against the NumPy one: same steps with the same draws, same trainings in distribution."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from deeprg.errors import InvalidParameterError
from deeprg.rbm import BernoulliRBM, Callback, DeepBeliefNetwork
from deeprg.rbm import functional as F

torch = pytest.importorskip("torch")

from deeprg.rbm import _torch_backend  # noqa: E402 - after the skip: it is imported only with torch


class ReplayGenerator(np.random.Generator):
    """A NumPy generator whose ``random`` hands out given arrays in turn (the NumPy path's only draws in a step)."""

    def __init__(self, draws: list[np.ndarray]) -> None:
        super().__init__(np.random.PCG64(0))
        self.draws = list(draws)

    def random(self, size=None, dtype=np.float64, out=None):
        u = self.draws.pop(0)
        shape = out.shape if out is not None else tuple(size)  # the fused path draws into its buffer
        assert u.shape == shape, f"the NumPy path drew {shape}, the replay has {u.shape}"
        if out is not None:
            out[...] = u
            return out
        return u.astype(dtype, copy=True)


def replay_uniforms(draws: list[np.ndarray]):
    """The torch twin of :class:`ReplayGenerator`: ``uniform(shape)`` returns the next array as a tensor."""
    queue = list(draws)

    def uniform(shape):
        u = queue.pop(0)
        assert u.shape == tuple(shape), f"the torch path drew {shape}, the replay has {u.shape}"
        return torch.from_numpy(u.copy())

    uniform.queue = queue
    return uniform


def sweep_draws(rng, n_samples, n_visible, n_hidden, batch, k, persistent):
    """The uniforms of one unshuffled sweep, in the order both backends draw them."""
    draws = []
    n_chains = min(batch, n_samples)  # persistent chains: one per row of the first batch
    for start in range(0, n_samples, batch):
        m = n_chains if persistent else min(batch, n_samples - start)
        if persistent and start == 0:
            draws.append(rng.random((m, n_visible)))  # the chains' start, from the first batch
        for _ in range(k):
            draws += [rng.random((m, n_hidden)), rng.random((m, n_visible))]
    return draws


def twin_estimators(**params):
    """Two initialised estimators (numpy and torch) with equal parameters and training state."""
    X = (np.random.default_rng(3).random((60, 12)) < 0.4).astype(np.float64)
    ests = []
    for backend in ("numpy", "torch"):
        est = BernoulliRBM(5, dtype="float64", shuffle=False, random_state=7, backend=backend, init_std=0.5, **params)
        est.partial_fit(X[:20])  # initialise and take one epoch, so that velocities are non-zero
        ests.append(est)
    for a, b in zip(ests[0]._params, ests[1]._params, strict=True):
        b[...] = a
    for a, b in zip(ests[0]._velocity, ests[1]._velocity, strict=True):
        b[...] = a
    if params.get("persistent"):
        ests[1]._chain = ests[0]._chain = None  # both start their chains at the sweep's first batch
    return X, ests


STEPS = [
    pytest.param({"cd_k": 1}, id="CD-1"),
    pytest.param({"cd_k": 3, "l2": 0.01}, id="CD-3-l2"),
    pytest.param({"cd_k": 1, "l1": 0.01}, id="CD-1-l1-subgradient"),
    pytest.param({"cd_k": 2, "l1": 0.05, "penalty_method": "proximal"}, id="CD-2-l1-proximal"),
    pytest.param({"cd_k": 1, "persistent": True}, id="PCD-1"),
    pytest.param({"cd_k": 2, "persistent": True, "l1": 0.01}, id="PCD-2-l1"),
]


@pytest.mark.parametrize("params", STEPS)
def test_a_sweep_equals_numpys_with_the_same_draws(params):
    X, (ours, twin) = twin_estimators(batch_size=20, **params)
    draws = sweep_draws(np.random.default_rng(11), len(X), 12, 5, 20, params["cd_k"], params.get("persistent", False))
    ours._rng = ReplayGenerator(draws)
    ours._sweep(X, 0.7)
    uniform = replay_uniforms(draws)
    _torch_backend.torch_sweep(twin, X, 0.7, uniform=uniform)
    assert not ours._rng.draws and not uniform.queue  # both consumed every draw
    # float64 products summed in another order: differences of order 1e-16 per term
    for a, b in zip([*ours._params, *ours._velocity], [*twin._params, *twin._velocity], strict=True):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)
    if params.get("persistent"):
        np.testing.assert_array_equal(twin._chain, ours._chain)
    else:
        assert twin._chain is None


@pytest.mark.parametrize("persistent", [False, True], ids=["CD-2", "PCD-2"])
def test_one_step_equals_cd_statistics_with_the_same_draws(persistent):
    """The torch step's gradient is F.cd_statistics' (the functional definition shared by both backends)."""
    rng = np.random.default_rng(5)
    W, b, c = rng.normal(size=(6, 10)), rng.normal(size=10), rng.normal(size=6)
    batch = (rng.random((8, 10)) < 0.5).astype(float)
    chain = (rng.random((4, 10)) < 0.5).astype(float) if persistent else None
    m = 4 if persistent else 8
    draws = [rng.random(shape) for _ in range(2) for shape in ((m, 6), (m, 10))]
    dW, db, dc, end = F.cd_statistics(batch, W, b, c, ReplayGenerator(draws), k=2, chain=chain)
    params = tuple(torch.from_numpy(a.copy()) for a in (W, b, c))
    velocity = tuple(torch.zeros_like(p) for p in params)
    out = _torch_backend.cd_step(params, velocity, torch.from_numpy(batch), replay_uniforms(draws), k=2, momentum=0.0,
                                 learning_rate=1.0, chain=None if chain is None else torch.from_numpy(chain))
    np.testing.assert_array_equal(out.numpy(), end)
    for tensor, start, grad in zip(params, (W, b, c), (dW, db, dc), strict=True):
        np.testing.assert_allclose(tensor.numpy() - start, grad, rtol=0, atol=1e-12)  # learning rate 1, no momentum


def test_float32_training_matches_numpy_to_float_tolerance():
    """A whole float32 epoch with the same draws: float32 rounding only (relative 1e-6 per operation)."""
    X = (np.random.default_rng(4).random((100, 16)) < 0.3).astype(np.float32)
    ours = BernoulliRBM(8, batch_size=25, shuffle=False, random_state=2, l1=1e-3)
    twin = BernoulliRBM(8, batch_size=25, shuffle=False, random_state=2, l1=1e-3, backend="torch")
    for est in (ours, twin):
        est._initialize(16)
    draws = [u.astype(np.float32) for u in sweep_draws(np.random.default_rng(8), 100, 16, 8, 25, 1, False)]
    ours._rng = ReplayGenerator(draws)
    ours._sweep(X, 0.5)
    _torch_backend.torch_sweep(twin, X, 0.5, uniform=replay_uniforms(draws))
    for a, b in zip(ours._params, twin._params, strict=True):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-5)


# ---------------------------------------------------------------------------------------- whole trainings


def teacher_data(n: int = 600) -> np.ndarray:
    """Bits of 9 sites from two noisy prototypes: a distribution an RBM of 4 hidden units learns well."""
    rng = np.random.default_rng(2024)
    prototypes = np.array([[1, 1, 1, 0, 0, 0, 1, 0, 1], [0, 0, 1, 1, 1, 1, 0, 1, 0]], dtype=float)
    rows = prototypes[rng.integers(0, 2, size=n)]
    flips = rng.random(rows.shape) < 0.1
    return np.abs(rows - flips).astype(np.float64)


def trained_log_likelihoods(backend: str, seeds, X, **params) -> np.ndarray:
    settings = {"n_iter": 15, "batch_size": 20, "learning_rate": 0.1, "dtype": "float64", **params}
    return np.array([
        F.log_likelihood(X, *BernoulliRBM(4, random_state=seed, backend=backend, **settings).fit(X)._params)
        for seed in seeds
    ])


# PCD at this size needs a gentler schedule (at learning rate 0.1 and momentum 0.9 its chains lag and it diverges)
@pytest.mark.parametrize("params", [{}, {"persistent": True, "l1": 1e-3, "learning_rate": 0.02, "final_momentum": 0.5}],
                         ids=["CD-1", "PCD-1-l1"])
def test_whole_trainings_agree_in_distribution(params):
    X = teacher_data()
    seeds = range(8)
    ll_numpy = trained_log_likelihoods("numpy", seeds, X, **params)
    ll_torch = trained_log_likelihoods("torch", seeds, X, **params)
    start = F.log_likelihood(X, *BernoulliRBM(4, n_iter=0, dtype="float64", random_state=0).fit(X)._params)
    # the trainings learn: mean log-likelihood per sample well above that of the initial weights (-9 ln 2 ~ -6.2)
    assert ll_numpy.mean() > start + 1.0 and ll_torch.mean() > start + 1.0
    # same distribution: the difference of the two means of 8 seeds within 4 standard errors of that
    # difference, the error taken from the seed-to-seed spread of both backends
    error = np.sqrt(ll_numpy.var(ddof=1) / len(ll_numpy) + ll_torch.var(ddof=1) / len(ll_torch))
    assert abs(ll_numpy.mean() - ll_torch.mean()) < 4 * error + 1e-3, (ll_numpy, ll_torch)


def test_the_same_seed_repeats_on_torch_and_starts_as_numpy():
    X = teacher_data(200)
    a, b = (BernoulliRBM(4, n_iter=3, random_state=5, backend="torch").fit(X) for _ in range(2))
    np.testing.assert_array_equal(a.components_, b.components_)
    assert a.history_["pseudo_likelihood"] == b.history_["pseudo_likelihood"]
    start_numpy = BernoulliRBM(4, n_iter=0, random_state=5).fit(X).components_
    start_torch = BernoulliRBM(4, n_iter=0, random_state=5, backend="torch").fit(X).components_
    np.testing.assert_array_equal(start_torch, start_numpy)  # the initial weights come from the NumPy generator


# ---------------------------------------------------------------------------------------- checkpoints


@pytest.mark.parametrize("first,then", [("torch", "numpy"), ("numpy", "torch"), ("torch", "torch")])
@pytest.mark.parametrize("persistent", [False, True], ids=["CD", "PCD"])
def test_checkpoints_move_between_backends(tmp_path, first, then, persistent):
    X = teacher_data(200)
    settings = {"n_iter": 3, "batch_size": 20, "random_state": 9, "persistent": persistent, "l1": 1e-3}
    half = BernoulliRBM(4, backend=first, **settings).fit(X)
    path = half.save_checkpoint(tmp_path / "half.ckpt")
    resumed = BernoulliRBM.load_checkpoint(path, backend=then).set_params(n_iter=6).fit(X, resume=True)
    assert (resumed.backend, resumed.epoch_, len(resumed.history_["pseudo_likelihood"])) == (then, 6, 6)
    # the checkpoint holds the whole training state: resuming from the file equals continuing in memory
    half.set_params(backend=then, n_iter=6).fit(X, resume=True)
    for a, b in zip([*resumed._params, *resumed._velocity], [*half._params, *half._velocity], strict=True):
        np.testing.assert_array_equal(a, b)
    if first == then == "torch":  # and within torch, an interrupted training continues bit for bit
        whole = BernoulliRBM(4, backend="torch", **{**settings, "n_iter": 6}).fit(X)
        np.testing.assert_array_equal(resumed.components_, whole.components_)


class _StopAt(Callback):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, estimator, epoch, logs):
        if epoch == self.epoch and estimator.n_components == 6:
            raise KeyboardInterrupt


def test_a_network_checkpointed_on_torch_resumes_on_numpy(tmp_path):
    X = teacher_data(200)

    def layers(backend):
        return [BernoulliRBM(6, n_iter=4, batch_size=20, backend=backend), BernoulliRBM(3, n_iter=2, backend=backend)]

    path = tmp_path / "net.ckpt"
    with pytest.raises(KeyboardInterrupt):
        DeepBeliefNetwork(layers("torch"), random_state=1).fit(X, checkpoint=path, callbacks=[_StopAt(2)])
    dbn = DeepBeliefNetwork(layers("numpy"), random_state=1).fit(X, checkpoint=path, resume=True)
    assert [layer.epoch_ for layer in dbn.layers_] == [4, 2]
    assert [layer.backend for layer in dbn.layers_] == ["numpy", "numpy"]
    assert len(dbn.layers_[0].history_["pseudo_likelihood"]) == 4


def test_model_files_do_not_record_the_backend(tmp_path):
    X = teacher_data(100)
    dbn = DeepBeliefNetwork([BernoulliRBM(3, n_iter=1, backend="torch")], random_state=0).fit(X)
    dbn.save(tmp_path / "m.nc")
    loaded = DeepBeliefNetwork.load(tmp_path / "m.nc")
    assert loaded.layers_[0].backend == "numpy"
    np.testing.assert_array_equal(loaded.layers_[0].components_, dbn.layers_[0].components_)


# ---------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize("params,message", [
    ({"backend": "jax"}, "backend must be one of ('numpy', 'torch'); got 'jax'"),
    ({"backend": "torch", "device": "gpu"}, "device must be one of ('cpu', 'cuda'); got 'gpu'"),
    ({"device": "cuda"}, "pass backend='torch' as well"),
])
def test_bad_backend_or_device(params, message):
    with pytest.raises(InvalidParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        BernoulliRBM(2, **params).fit(teacher_data(20))


def test_cuda_without_a_gpu_is_refused_clearly():
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    with pytest.raises(InvalidParameterError, match=r"device='cuda' needs an NVIDIA GPU visible to PyTorch.*device='cpu'"):
        BernoulliRBM(2, backend="torch", device="cuda").fit(teacher_data(20))


def test_missing_torch_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(_torch_backend, "torch", None)
    with pytest.raises(InvalidParameterError, match=r'backend=.torch. needs PyTorch.*pip install "deeprg\[torch\]"'):
        BernoulliRBM(2, backend="torch").fit(teacher_data(20))


def test_importing_deeprg_does_not_import_torch():
    code = ("import sys, deeprg, deeprg.rbm, deeprg.experiment, deeprg.cli; "
            "from deeprg.rbm import BernoulliRBM; BernoulliRBM(2, n_iter=1).fit([[0, 1], [1, 0]]); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------- command line


def test_run_on_cuda_without_a_gpu_is_refused_before_anything_runs(tmp_path, capsys):
    from deeprg.cli import main

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    code = main(["run", "--quick", "--out", str(tmp_path / "run"), "--device", "cuda"])
    assert code == 2 and "needs an NVIDIA GPU" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_train_on_the_torch_backend(tmp_path):
    from deeprg.cli import main

    ensemble, model = tmp_path / "e.nc", tmp_path / "m.nc"
    assert main(["sample", "-L", "4", "--beta", "0.4", "-n", "60", "-o", str(ensemble), "--seed", "1"]) == 0
    assert main(["train", str(ensemble), "-o", str(model), "--layers", "5,2", "--epochs", "2", "--seed", "3",
                 "--backend", "torch"]) == 0
    dbn = DeepBeliefNetwork.load(model)
    assert [layer.epoch_ for layer in dbn.layers_] == [2, 2]
