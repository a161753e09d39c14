"""`python -m generator` runs the `newsgen` command."""

import sys

from generator.cli import main

sys.exit(main())
