"""`python -m sgoversight`: see sgoversight.cli."""

import sys

from sgoversight.cli import main

sys.exit(main())
