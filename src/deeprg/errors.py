"""Every exception and warning class of deeprg, in one place.

Every error deeprg raises on purpose derives from :class:`DeepRGError`, so a caller (and the
command-line interface) can catch them all in one place; each also derives from the built-in
exception a Python user would expect (``ValueError`` for a bad parameter, ``FileNotFoundError``
for a missing file, ...). The messages say who complains, what was expected, what was received
and what to do instead. Warnings derive from :class:`DeepRGWarning`.

:class:`StopTraining` is not an error: a training callback raises it to end training after the
current epoch.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DeepRGError",
    "DeepRGWarning",
    "FileFormatError",
    "InvalidParameterError",
    "MissingFileError",
    "OutputExistsError",
    "ResourceError",
    "ShortChainWarning",
    "SklearnMismatchError",
    "StopTraining",
    "UnwritablePathError",
]


class DeepRGError(Exception):
    """Base class of every error deeprg raises on purpose."""


# ---------------------------------------------------------------- parameters and configurations
class InvalidParameterError(DeepRGError, ValueError):
    """A parameter is outside its valid range or of the wrong type."""


class ConfigError(InvalidParameterError):
    """An experiment configuration is unreadable or invalid.

    Attributes
    ----------
    source : str
        Where the configuration came from (a file path, or a description).
    problems : list of str
        One readable line per problem, ``"<dotted.key>: <what is wrong>"``.
    """

    def __init__(self, source: str, problems: list[str], *, header: str | None = None) -> None:
        self.source = str(source)
        self.problems = list(problems)
        head = header or f"invalid experiment configuration in {self.source}:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


# ---------------------------------------------------------------- files
class FileFormatError(DeepRGError, ValueError):
    """A file is not a deeprg file of the expected kind, is corrupt, or is too new."""


class MissingFileError(FileFormatError, FileNotFoundError):
    """A deeprg file to be loaded does not exist (both a FileFormatError and a FileNotFoundError)."""


class OutputExistsError(DeepRGError, FileExistsError):
    """The output file already exists and overwriting was not requested."""


class UnwritablePathError(DeepRGError, OSError):
    """The output file cannot be created: missing directory, no permission, or a directory name."""


# ---------------------------------------------------------------- resources
class ResourceError(DeepRGError, MemoryError):
    """A request needs more memory or disk than the machine has; refused before any work.

    Attributes
    ----------
    needed : int
        Bytes the request is estimated to need.
    available : int
        Bytes available (memory or free disk).
    resource : str
        ``"memory"`` or ``"disk"``.
    """

    def __init__(self, message: str, *, needed: int = 0, available: int = 0, resource: str = "memory") -> None:
        super().__init__(message)
        self.needed = int(needed)
        self.available = int(available)
        self.resource = resource


# ---------------------------------------------------------------- training
class SklearnMismatchError(DeepRGError, RuntimeError):
    """The installed scikit-learn's ``BernoulliRBM.fit`` no longer matches deeprg's epoch-by-epoch driver."""


class StopTraining(Exception):
    """Raised by a training callback to end training after the current epoch (a signal, not an error)."""


# ---------------------------------------------------------------- warnings
class DeepRGWarning(UserWarning):
    """Base class of deeprg's warnings (for example a chain too short for its tau)."""


class ShortChainWarning(DeepRGWarning):
    """A chain is too short for its autocorrelation time; its error bars are not trustworthy."""
