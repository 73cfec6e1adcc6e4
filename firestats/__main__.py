"""``python -m firestats``: the command line, where the ``firestats`` script is not on PATH."""

from firestats.cli import main

main(prog_name="firestats")
