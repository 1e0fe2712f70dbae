"""Fairness testing: BISG/BIFSG race and ethnicity proxies (probabilities only), disparity reports
with their drivers, and the gate a deploy passes when a tenant has proxies.

Nothing that prices, scores or ingests trips imports this package (tests/unit/test_architecture.py):
the proxies are read for testing the model's outcomes, never as an input to them.
"""
