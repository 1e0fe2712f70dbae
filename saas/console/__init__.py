"""The web console: server-rendered pages for partner admins and compliance over the same services as the API."""
