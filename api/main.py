"""The ASGI app uvicorn serves, built from the environment's settings."""

from __future__ import annotations

import logging

from api.app import create_app
from api.logs import configure, resolve
from api.settings import Settings

settings = Settings()
if not logging.getLogger().handlers:  # served by uvicorn itself, not by `msgstore serve` (which configured them)
    configure(settings.log_level, resolve(settings.log_format))
app = create_app(settings)
