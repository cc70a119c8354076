"""The ASGI app uvicorn serves, built from the environment's settings."""

from __future__ import annotations

import logging
import sys

from api.app import create_app

logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
app = create_app()
