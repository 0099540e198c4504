"""The examples in the docstrings run, on the installed package."""

import doctest
import importlib
import pkgutil

import pytest

import deeprg

MODULES = sorted(m.name for m in pkgutil.walk_packages(deeprg.__path__, "deeprg."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
