"""``python -m constructs_pkg.probe``: see ``cli``."""

import sys

from .cli import main

sys.exit(main())
