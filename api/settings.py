"""Settings, read once from ``MSGSTORE_*`` environment variables and a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from projections.shard_map import ShardMap

DEFAULT_DATA_DIR = Path(".msgstore")


class Settings(BaseSettings):
    """Everything the server can be told; each field is ``MSGSTORE_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="MSGSTORE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(DEFAULT_DATA_DIR, description="Where the default SQLite file and generated key live.")
    database_url: str = Field("", description="sqlite:///path or postgresql://user@host:port/db.")
    api_keys: str = Field("", description="key:tenant[:scope…][:id=NAME][,…]; empty: generate one key at first start.")
    key_id_secret: SecretStr = Field(
        SecretStr(""), description="Secret the audit trail's key ids are derived with; empty: one kept in the data dir."
    )
    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8000, description="Port to listen on.")
    workers: int = Field(1, ge=1, description="Server processes (PostgreSQL for more than one).")
    max_connections: int = Field(1000, ge=1, description="Open connections per server process (503 beyond).")
    keep_alive_timeout: int = Field(10, ge=1, description="Seconds an idle keep-alive connection stays open.")
    head_timeout: float = Field(10.0, gt=0, description="Seconds a connection has to send a complete request head.")
    max_head_bytes: int = Field(32_768, ge=1024, description="Largest request head (request line and headers; 431).")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest request body accepted (413 above).")
    max_batch: int = Field(256, ge=1, description="Most commands the writer records in one transaction.")
    db_pool_size: int = Field(10, ge=2, description="Read connections per process (PostgreSQL).")
    pool_mode: Literal["session", "transaction"] = Field(
        "session",
        description="transaction: PostgreSQL is reached through a pooler in transaction mode (PgBouncer);"
        " no prepared statements, no LISTEN, locks held by transactions.",
    )
    read_urls: str = Field(
        "",
        description="postgresql://… streaming replicas of the database, comma-separated: the live views are read"
        " from one that has replayed every acknowledged write, else from the primary. With shards, each is"
        " TENANT=url: a replica of the shard holding TENANT (or * for the '*' shard).",
    )
    shards: str = Field(
        "",
        description="tenant=postgresql://…[,…][,*=postgresql://…]: each tenant's threads in the database named"
        " for it, every other tenant's in the '*' one; empty: one database (MSGSTORE_DATABASE_URL).",
    )
    db_timeout: float = Field(5.0, gt=0, description="Seconds to wait for a database connection or lock (then 503).")
    write_timeout: float = Field(5.0, gt=0, description="Seconds a write may wait to start (then 503, not recorded).")
    outcome_timeout: float = Field(
        120.0, gt=0, description="Seconds to ask a returning database whether a commit in doubt was recorded."
    )
    retry_window: float = Field(600.0, ge=0, description="Seconds an SDK request's answer is kept for its retries.")
    log_level: str = Field("info", description="Log level of the server.")
    log_format: Literal["auto", "json", "text"] = Field(
        "auto", description="Log lines as json or text; auto: text on a terminal, JSON anywhere else."
    )
    encryption: bool = Field(True, description="Encrypt content at rest (AES-GCM).")
    master_key: SecretStr = Field(
        SecretStr(""), description="Master key wrapping the data keys (base64); empty: one kept in the data dir."
    )
    previous_master_keys: SecretStr = Field(
        SecretStr(""), description="Old master keys, comma-separated, while rotating (`msgstore encryption rotate`)."
    )
    retention: str = Field("", description="tenant:period[,…] (e.g. acme:90d,default:365d): erase threads idle longer.")
    retention_interval: float = Field(3600.0, gt=0, description="Seconds between retention passes of the worker.")
    worker: bool = Field(True, description="Run the projection worker inside `msgstore serve`.")
    worker_batch: int = Field(5000, ge=1, description="Most events the worker applies in one transaction.")
    console: bool = Field(False, description="Serve the audit console (web pages for a thread's history) at /console.")
    ready_max_lag: int = Field(10_000, ge=0, description="Events an async projection may lag before /readyz fails.")

    def read_url_list(self) -> list[str]:
        """The replicas of ``read_urls``, in order (one database: entries without a ``TENANT=`` part)."""
        return [url for tenant, url in _entries(self.read_urls, "MSGSTORE_READ_URLS") if tenant is None]

    def shard_map(self) -> ShardMap | None:
        """The shard map of ``shards`` and the shards' replicas (None: one database)."""
        placements: dict[str, str] = {}
        for tenant, url in _entries(self.shards, "MSGSTORE_SHARDS"):
            if tenant is None:
                raise ValueError(f"MSGSTORE_SHARDS: {url!r} names no tenant (tenant=url, or *=url for every other).")
            placements[tenant] = url
        if not placements:
            return None
        shard_map = ShardMap(placements)
        replicas: dict[str, list[str]] = {}
        for tenant, url in _entries(self.read_urls, "MSGSTORE_READ_URLS"):
            if tenant is None:
                raise ValueError(f"MSGSTORE_READ_URLS: with shards, name the shard of {url!r} (TENANT=url or *=url).")
            replicas.setdefault(shard_map.url(tenant), []).append(url)
        return ShardMap(placements, replicas)

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'msgstore.db'}"


def _entries(value: str, name: str) -> list[tuple[str | None, str]]:
    """``[TENANT=]url`` entries of a comma-separated setting: (tenant or None, url)."""
    entries: list[tuple[str | None, str]] = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        if entry.startswith(("postgresql:", "postgres:", "sqlite:")):
            entries.append((None, entry))
            continue
        tenant, separator, url = entry.partition("=")
        if not separator or not tenant.strip() or not url.strip():
            raise ValueError(f"{name}: {entry!r} is neither a database URL nor TENANT=url.")
        entries.append((tenant.strip(), url.strip()))
    return entries
