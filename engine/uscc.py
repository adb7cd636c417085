"""The unified social credit code (统一社会信用代码, GB 32100-2015)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # values 0..30; no I, O, S, V, Z
_ALLOWED = frozenset(CHARSET)
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 3^(i-1) mod 31 for i = 1..17
#: Why a code is not valid, in the words a clerk reads (keys are what ``problem`` returns).
REASONS = {"length": "应为18位", "charset": "含有不允许的字符（不使用 I、O、S、V、Z）",
           "checksum": "校验位不正确，请核对是否抄错"}


#: Each code character written as the base-34 digit of its value (0–9, then a–u for 10–30).
_AS_DIGIT = str.maketrans(CHARSET, "0123456789abcdefghijklmnopqrstu")


def check_character(first17: str) -> str:
    """The 18th character for the first 17; raises KeyError on a character outside the set.

    GB 32100 weighs the i-th character's value by 3^i (mod 31). Since 34 ≡ 3 (mod 31), that
    weighted sum is, mod 31, the first 17 values read as one base-34 number, last character
    first: ``int()`` does the whole sum at C speed (every credit code of every file goes here).
    """
    if len(first17) != 17:
        raise ValueError("check_character takes the first 17 characters")
    if not _ALLOWED.issuperset(first17):
        raise KeyError(next(ch for ch in first17 if ch not in _ALLOWED))
    return _check(first17)


def _check(first17: str) -> str:
    """The check character of 17 characters already known to be of the code's set."""
    return _check_of(first17.translate(_AS_DIGIT)[::-1])


def _check_of(digits: str) -> str:
    """The check character of a code whose first 17 characters are ``digits``: their values as
    base-34 digits, last character first (see :func:`check_character`)."""
    return CHARSET[-int(digits, 34) % 31]


def with_check_character(first17: str) -> str:
    """A full 18-character code from its first 17 characters."""
    return first17 + check_character(first17)


def _problem(code: str) -> str | None:
    if len(code) != 18:
        return "length"
    if not _ALLOWED.issuperset(code):
        return "charset"
    if _check(code[:17]) != code[17]:
        return "checksum"
    return None


#: None for a valid code, else why not: ``length``, ``charset`` or ``checksum`` (cached: the same
#: codes come back at every sign-in).
problem = lru_cache(maxsize=1 << 16)(_problem)


def problems(codes: Iterable[str]) -> dict[str, str]:
    """The codes that are not valid, each with why (as :func:`problem` says); each distinct code is
    judged once, without the cache (a file's codes are its own: most are seen there only).

    A file has a thousand codes or more, so their characters are checked and translated all at
    once: one text of every 18-character code, reversed, from which each code's first 17 values
    are read as one base-34 number (see :func:`check_character`)."""
    distinct = set(codes)
    out = {code: "length" for code in distinct if len(code) != 18}
    sized = [code for code in distinct if code not in out]
    if not _ALLOWED.issuperset("".join(sized)):
        out.update((code, "charset") for code in sized if not _ALLOWED.issuperset(code))
        sized = [code for code in sized if code not in out]
    backwards = "".join(sized).translate(_AS_DIGIT)[::-1]
    end = len(backwards)
    for code in sized:  # code i is backwards[end - 18 : end], its check character first
        if _check_of(backwards[end - 17:end]) != code[17]:
            out[code] = "checksum"
        end -= 18
    return out


def is_valid(code: str) -> bool:
    return problem(code) is None


#: Where the registering region starts in a code (``code.startswith("53", REGION_START)``).
REGION_START = 2


def region(code: str) -> str:
    """Positions 3–8: the registering administrative region (e.g. 530102)."""
    return code[REGION_START:REGION_START + 6]
