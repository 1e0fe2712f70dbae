"""Multi-tenant white-label rating platform for usage-based auto insurance."""

__version__ = "0.1.0"
