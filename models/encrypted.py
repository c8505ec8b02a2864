"""Field-level encryption for child data at rest (AES-256-GCM), so the database file, its WAL
and its backups hold no child reference or case text in plain.

Columns declared `EncryptedText` or `EncryptedJSON` are encrypted on the way in and decrypted on
the way out; services keep reading and writing plain strings and dicts. Each stored value names
the key it was sealed with (`v1:<key id>:<base64 nonce+ciphertext>`), so keys can be rotated:
new writes use the newest key, older keys still open older rows until `resolve keys rotate`
re-seals them. A value without that prefix is a row written before encryption was introduced;
it reads as it is until `resolve keys rotate` seals it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, TypeDecorator

from models.base import JSONDocument

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1"
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_NONCE_BYTES = 12


class DataKeyError(ValueError):
    """The data keys are missing, malformed, or cannot open a stored value."""


@dataclass(frozen=True)
class DataKey:
    key_id: str
    secret: bytes


class KeyRing:
    """The partnership's data keys, newest first: the first seals, any of them opens."""

    def __init__(self, keys: list[DataKey]) -> None:
        if not keys:
            raise DataKeyError("at least one key is needed")
        ids = [k.key_id for k in keys]
        if len(set(ids)) != len(ids):
            raise DataKeyError("each key needs its own id")
        self.keys = keys

    @cached_property
    def _by_id(self) -> dict[str, AESGCM]:
        # The cipher library and OpenSSL under it hold about 7 MB resident: loaded when the
        # first value is sealed or opened, not by a process that has not yet touched one.
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return {k.key_id: AESGCM(k.secret) for k in self.keys}

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """Reads `id:base64key,id:base64key`, newest first; each key is 32 random bytes."""
        keys = []
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            key_id, sep, encoded = part.partition(":")
            if not sep or not _KEY_ID.match(key_id):
                raise DataKeyError(
                    "each key is written id:base64key, the id being 1 to 16 letters, digits, "
                    "'-' or '_'"
                )
            try:
                secret = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise DataKeyError(f"key '{key_id}' is not valid base64") from None
            if len(secret) != 32:
                raise DataKeyError(f"key '{key_id}' must be 32 bytes (256 bits)")
            keys.append(DataKey(key_id, secret))
        return cls(keys)

    @staticmethod
    def generate(key_id: str) -> str:
        """A new key in the form RESOLVE_DATA_KEYS takes."""
        if not _KEY_ID.match(key_id):
            raise DataKeyError("a key id is 1 to 16 letters, digits, '-' or '_'")
        return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"

    @property
    def current_id(self) -> str:
        return self.keys[0].key_id

    def seal(self, plain: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._by_id[self.current_id].encrypt(nonce, plain.encode(), None)
        return f"{PREFIX}:{self.current_id}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, stored: str) -> str:
        _, key_id, body = stored.split(":", 2)
        cipher = self._by_id.get(key_id)
        if cipher is None:
            raise DataKeyError(
                f"a stored value was sealed with key '{key_id}', which RESOLVE_DATA_KEYS does not "
                "hold: add it back (after the newest key) until `resolve keys rotate` has run"
            )
        from cryptography.exceptions import InvalidTag

        raw = base64.b64decode(body)
        try:
            return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode()
        except InvalidTag:
            raise DataKeyError(f"a stored value does not open with key '{key_id}'") from None

    def is_current(self, stored: str | None) -> bool:
        """True when the value is empty or already sealed with the newest key."""
        return stored is None or stored.startswith(f"{PREFIX}:{self.current_id}:")


def is_sealed(stored: object) -> bool:
    return isinstance(stored, str) and stored.startswith(f"{PREFIX}:") and stored.count(":") >= 2


_active: KeyRing | None = None


def use_keys(ring: KeyRing | None) -> None:
    """Sets the keys this process seals and opens with (the bot, a command, a test)."""
    global _active
    _active = ring


def active_keys() -> KeyRing:
    if _active is None:
        raise DataKeyError(
            "no data keys are loaded: set RESOLVE_DATA_KEYS (`resolve keys generate` makes one)"
        )
    return _active


class EncryptedText(TypeDecorator[str]):
    """Text sealed with the newest data key."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else active_keys().seal(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return active_keys().open(value) if is_sealed(value) else value


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document stored as one sealed JSON string, so no key or value shows."""

    impl = JSONDocument
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return active_keys().seal(json.dumps(value, sort_keys=True, separators=(",", ":")))

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return json.loads(active_keys().open(value)) if is_sealed(value) else value
