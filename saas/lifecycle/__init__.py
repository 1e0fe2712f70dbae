"""Model lifecycle across tenants: what a shadow model would have done to a tenant's premiums."""
