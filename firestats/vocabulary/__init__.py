"""The ground floor's words for the three record families: how spellings are folded, the fitness items, the
activity categories and the problem codes, each read from its data file. Every stage reads them; they read no
stage."""
