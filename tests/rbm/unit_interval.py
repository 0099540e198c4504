"""A test-only RBM that lets scikit-learn's generic estimator checks run (imported by the RBM tests)."""

from scipy.special import expit

from deeprg.rbm import BernoulliRBM


class UnitIntervalRBM(BernoulliRBM):
    """scikit-learn's generic checks feed arbitrary reals, which a Bernoulli RBM refuses.

    This subclass maps them to bits after all of the estimator's own validation
    (shape, sparse, NaN, feature count), so the checks exercise every real code path; the
    [0, 1] contract itself is tested in ``test_bad_data``.
    """

    def _check_unit_interval(self, X, name):
        return (expit(X) > 0.5).astype(X.dtype)
