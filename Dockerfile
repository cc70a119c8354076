# One image for the API and the worker (docker-compose.yml runs both from it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, the locked versions each checked against its hashes (requirements.lock, compiled from
# pyproject.toml by .ci/lock): a change to the code does not reinstall them, and two builds install the same files.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

# Then the code, without touching the dependencies installed above.
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY projections ./projections
COPY api ./api
RUN pip install --no-deps .

# Not root: a system user that owns only the data directory (the generated key, the SQLite file).
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin msgstore \
    && mkdir -p /data \
    && chown msgstore:msgstore /data
USER msgstore

ENV MSGSTORE_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8000

# Ready means the database answers and the views are caught up (the worker service overrides this).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]

CMD ["msgstore", "serve", "--host", "0.0.0.0", "--port", "8000"]
