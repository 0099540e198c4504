"""Exceptions and warnings raised by deeprg.

Every error deeprg raises on purpose derives from :class:`DeepRGError`, so a
caller (and the command-line interface) can catch them all in one place. The
messages say what was expected, what was received and what to do instead.
"""

from __future__ import annotations


class DeepRGError(Exception):
    """Base class of every error deeprg raises on purpose."""


class InvalidParameterError(DeepRGError, ValueError):
    """A parameter is outside its valid range or of the wrong type."""


class FileFormatError(DeepRGError, ValueError):
    """A file is not a deeprg file of the expected kind, is corrupt, or is too new."""


class DeepRGWarning(UserWarning):
    """Base class of deeprg's warnings (for example a chain too short for its tau)."""
