"""Stage 4, run: notebooks executed on real kernels and rendered to HTML, one report or a whole batch."""
