"""The ground floor's words for the three record families and the units above the stations: how spellings are
folded, the fitness items, the activity categories, the problem codes and the detachment's brigades, each read
from its data file or the unit's settings. Every stage reads them; they read no stage."""
