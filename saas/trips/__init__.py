"""Trips: what partners send about each drive, and how a raw trace becomes a trip summary."""
