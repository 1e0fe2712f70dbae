"""Webhooks to tenants: Standard Webhooks signing and the delivery retry schedule."""
