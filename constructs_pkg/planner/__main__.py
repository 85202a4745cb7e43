"""``python -m constructs_pkg.planner``: see ``cli``."""

import sys

from .cli import main

sys.exit(main())
