"""firestats: a fire rescue station's year, from its raw exports to an offline Chinese report."""

__version__ = "0.1.0"
