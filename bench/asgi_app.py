"""The product's app as a module attribute, for servers without a factory option (granian).

Settings come from the environment, as with ``saas serve``; the runtime is loaded at import.
"""

from __future__ import annotations

from saas.app import create_app

app = create_app()
