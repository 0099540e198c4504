"""``python -m deeprg.cli``: the ``deeprg`` command, run as a module."""

import sys

from deeprg.cli import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
