"""The shared vocabulary: the quote schema and the rating-factor names.

Rules type-check against it, rating prices it, scoring reads its telematics: it imports no feature,
so each of them depends on it and none on another's internals.
"""
