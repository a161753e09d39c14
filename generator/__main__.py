"""`python -m generator` runs the `newsgen` command."""

from generator.cli import run

run()
