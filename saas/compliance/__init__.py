"""Adverse-action notices (recorded with the decisions they explain), their register, and the compliance bundle."""
