"""`python -m netlife`."""

import sys

from netlife.cli import main

sys.exit(main())
