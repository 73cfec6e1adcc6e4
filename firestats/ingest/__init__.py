"""Stage 1, ingest: raw exports in, one canonical table per record family out, every row accounted for.

readers (files to cells) → parse (cells to values) → mapping / incidents / assessments / activities
(each family's cleaning, problems listed with a reason) → quality (where every row went) → store
(the processed folder, and the one way to narrow it to a station's years).
"""
