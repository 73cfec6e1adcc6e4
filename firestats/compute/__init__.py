"""Stage 2, compute: the figures of a station's year, as pure functions of its slice of the data.

incidents, assessments (with scoring), activities and accounting each compute one family's
figures; station puts them together once; compare, findings and notable read those figures.
"""
