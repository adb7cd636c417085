"""Access codes (DESIGN §12): one per centre of the plan's registry and one admin code for the province.

A code reads ``ABCD-EFGH-JKLM-NPQR``: its first group (the selector) finds the row, the other
twelve characters (about 59 bits) are the secret, stored only as a salted scrypt digest and
compared in constant time. Issuing a new set revokes the previous one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from tidu.portal.ledger import Ledger, now

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are read out and typed by hand
GROUPS, GROUP = 4, 4
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_DUMMY_SALT = b"tidu-no-such-code"


class Role(StrEnum):
    CENTRE = "centre"
    ADMIN = "admin"


@dataclass(frozen=True)
class Identity:
    """Who a valid code belongs to."""

    code_id: int
    role: Role
    centre: str | None  # None for the province's admin code


@dataclass(frozen=True)
class CodeSheet:
    """A freshly issued set of codes, in plain text: the only time they exist unhashed."""

    admin: str
    centres: dict[str, str]

    def to_json(self) -> dict[str, object]:
        return {"admin": self.admin, "centres": dict(self.centres)}


def _digest(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode("ascii"), salt=salt, **_SCRYPT)


def make_code() -> str:
    """A random code of four groups of four characters."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP)) for _ in range(GROUPS))


def normalize(text: str) -> str | None:
    """A typed code as stored (upper case, without spaces or dashes); None if it cannot be one."""
    plain = "".join(ch for ch in text.upper() if ch not in " -\t\r\n")
    if len(plain) != GROUPS * GROUP or any(ch not in ALPHABET for ch in plain):
        return None
    return plain


def issue_codes(ledger: Ledger, centres: list[str]) -> CodeSheet:
    """Create one code per centre and one admin code, revoking every earlier code (one transaction)."""
    issued: dict[str, str] = {}
    rows = []
    selectors: set[str] = set()
    for role, centre in [(Role.ADMIN, None), *((Role.CENTRE, name) for name in centres)]:
        code = make_code()
        while code[:GROUP] in selectors:  # selectors are unique within the live set
            code = make_code()
        selectors.add(code[:GROUP])
        salt = secrets.token_bytes(16)
        plain = normalize(code)
        assert plain is not None
        rows.append((code[:GROUP], str(role), centre, salt, _digest(plain[GROUP:], salt)))
        issued["" if centre is None else centre] = code
    stamp = now()
    with ledger.transaction() as conn:
        conn.execute("UPDATE access_codes SET revoked_at = ? WHERE revoked_at IS NULL", (stamp,))
        # An old, revoked row may hold a selector drawn again: free it (revoked rows are history only).
        conn.executemany("UPDATE access_codes SET selector = selector || '#' || id WHERE selector = ?",
                         [(r[0],) for r in rows])
        conn.executemany("INSERT INTO access_codes (selector, role, centre, salt, digest, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)", [(*r, stamp) for r in rows])
    admin = issued.pop("")
    return CodeSheet(admin=admin, centres=issued)


def verify(ledger: Ledger, text: str) -> Identity | None:
    """The identity of a typed code, or None. The work done is the same whether or not the
    selector exists, and digests are compared in constant time."""
    plain = normalize(text or "")
    selector, secret = (plain[:GROUP], plain[GROUP:]) if plain else ("", "X" * (GROUP * (GROUPS - 1)))
    with ledger.connect() as conn:
        row = conn.execute("SELECT id, role, centre, salt, digest FROM access_codes "
                           "WHERE selector = ? AND revoked_at IS NULL", (selector,)).fetchone()
    salt, expected = (row["salt"], row["digest"]) if row else (_DUMMY_SALT, b"\0" * _SCRYPT["dklen"])
    matches = hmac.compare_digest(_digest(secret, salt), expected)
    if row is None or plain is None or not matches:
        return None
    return Identity(row["id"], Role(row["role"]), row["centre"])


def identity_of(ledger: Ledger, code_id: int) -> Identity | None:
    """The identity behind a signed-in session, while its code has not been revoked."""
    with ledger.connect() as conn:
        row = conn.execute("SELECT id, role, centre FROM access_codes WHERE id = ? AND revoked_at IS NULL",
                           (code_id,)).fetchone()
    return Identity(row["id"], Role(row["role"]), row["centre"]) if row else None


def has_codes(ledger: Ledger) -> bool:
    with ledger.connect() as conn:
        return conn.execute("SELECT 1 FROM access_codes WHERE revoked_at IS NULL LIMIT 1").fetchone() is not None
