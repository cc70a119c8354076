"""Key ids: a keyed hash of the API key under the server's secret, or the id the key configuration names."""

from __future__ import annotations

import hashlib

import pytest

from api.auth import KeyRing
from domain.ids import key_identifier

KEY = "sk-weak"
SECRET = b"0123456789abcdef0123456789abcdef"


def test_a_key_id_is_a_keyed_hash_not_the_plain_sha256_of_the_key() -> None:
    keyed = key_identifier(KEY, SECRET)
    assert keyed != "key_" + hashlib.sha256(KEY.encode()).hexdigest()[:16]
    assert keyed != key_identifier(KEY)  # the unkeyed form earlier versions recorded
    assert keyed.startswith("key_") and len(keyed) == len(key_identifier(KEY))
    assert KEY not in keyed


def test_the_same_secret_gives_the_same_id_and_another_secret_another() -> None:
    assert key_identifier(KEY, SECRET) == key_identifier(KEY, bytes(SECRET))
    assert key_identifier(KEY, SECRET) != key_identifier(KEY, SECRET[::-1])
    assert key_identifier(KEY, SECRET) != key_identifier(KEY + "x", SECRET)


def test_the_key_ring_derives_ids_with_its_secret() -> None:
    ring = KeyRing.parse("sk-a:alpha,sk-b:beta:runtime", SECRET)
    a, b = ring.lookup("sk-a"), ring.lookup("sk-b")
    assert a is not None and b is not None
    assert (a.tenant, a.key_id, a.scopes) == ("alpha", key_identifier("sk-a", SECRET), frozenset())
    assert (b.tenant, b.key_id, b.scopes) == ("beta", key_identifier("sk-b", SECRET), frozenset({"runtime"}))


def test_the_key_configuration_may_name_the_id() -> None:
    ring = KeyRing.parse("sk-a:alpha:id=ops-laptop,sk-b:beta:runtime:id=runtime.2026_05", SECRET)
    a, b = ring.lookup("sk-a"), ring.lookup("sk-b")
    assert a is not None and b is not None
    assert (a.tenant, a.key_id, a.scopes) == ("alpha", "ops-laptop", frozenset())
    assert (b.tenant, b.key_id, b.scopes) == ("beta", "runtime.2026_05", frozenset({"runtime"}))
    assert a.actor == {"tenant": "alpha", "key_id": "ops-laptop"}


BAD_IDS = ["sk-a:alpha:id=", "sk-a:alpha:id=a b", "sk-a:alpha:id=x:id=y", "sk-a:alpha:id=" + "x" * 65]


@pytest.mark.parametrize("spec", BAD_IDS)
def test_a_bad_named_id_is_refused_without_showing_the_key(spec: str) -> None:
    with pytest.raises(ValueError, match="id=NAME") as raised:
        KeyRing.parse(spec, SECRET)
    assert "sk-a" not in str(raised.value)
