"""Realistic, deterministic fake values for the sandbox's seeded stores.

Everything here draws from a ``random.Random`` the caller seeds, so the same seed gives the same
store. Nothing reads the wall clock: seeded records are dated between :data:`DATA_START` and
:data:`DATA_END`; records created later through the API take the sandbox clock's "now".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import unicodedata
from itertools import accumulate
from typing import Final

__all__ = [
    "COUNTRIES",
    "DATA_END",
    "DATA_START",
    "ObjectIds",
    "company_name",
    "country",
    "email",
    "iso",
    "object_id",
    "person_name",
    "product_name",
    "sentence",
    "slug",
    "words",
]

DATA_START: Final = 1_672_531_200.0
"""2023-01-01T00:00:00Z: the earliest creation time of a seeded record."""
DATA_END: Final = 1_735_689_600.0
"""2025-01-01T00:00:00Z: the latest creation time of a seeded record."""

FIRST_NAMES: Final = (
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Ava", "Elijah", "Sophia", "Lucas",
    "Mia", "Mateo", "Isabella", "Levi", "Charlotte", "Leo", "Aisha", "Hiroshi", "Ingrid", "Kwame",
    "Priya", "Rafael", "Sven", "Yuki", "Zara", "Omar", "Chloé", "Jonas", "Lucía", "Mei",
    "Nikolai", "Fatima", "Diego", "Hannah", "Arjun", "Sofía", "Tomás", "Elif", "Jakub", "Anouk",
)  # fmt: skip
LAST_NAMES: Final = (
    "Smith", "Johnson", "Garcia", "Müller", "Rossi", "Dubois", "Nakamura", "Kowalski", "Silva",
    "Jensen", "Okafor", "Patel", "Kim", "Nguyen", "Larsen", "Fischer", "Moreau", "Costa",
    "Novak", "Haddad", "Andersson", "Brown", "Wilson", "Martin", "Lopez", "Schmidt", "Ivanova",
    "Tanaka", "O'Brien", "Van Dijk",
)  # fmt: skip
EMAIL_DOMAINS: Final = (
    "gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com", "fastmail.com",
    "hey.com", "example.org",
)  # fmt: skip

COUNTRIES: Final = (
    ("US", 30), ("GB", 9), ("DE", 8), ("FR", 6), ("CA", 6), ("IN", 5), ("BR", 4), ("AU", 4),
    ("NL", 3), ("ES", 3), ("IT", 3), ("JP", 3), ("SE", 2), ("PL", 2), ("MX", 2), ("NG", 2),
    ("KE", 1), ("ZA", 1), ("SG", 1), ("KR", 1), ("PT", 1), ("IE", 1), ("CH", 1), ("NO", 1),
)  # fmt: skip
"""ISO 3166-1 alpha-2 codes with relative weights, roughly like a creator store's buyers."""
_COUNTRY_CODES: Final = tuple(code for code, _ in COUNTRIES)
_COUNTRY_CUM_WEIGHTS: Final = tuple(accumulate(weight for _, weight in COUNTRIES))

_PRODUCT_ADJECTIVES: Final = (
    "Ultimate", "Complete", "Minimal", "Pro", "Essential", "Advanced", "Practical", "Modern",
    "Creative", "Productive", "Mindful", "Starter", "Deluxe", "Aesthetic", "Smart",
)  # fmt: skip
_PRODUCT_TOPICS: Final = (
    "Notion", "Lightroom", "Figma", "Budget", "Fitness", "Python", "Marketing", "Photography",
    "Writing", "Study", "Habit", "Recipe", "Freelance", "Podcast", "Wedding", "Travel",
    "Guitar", "Watercolor", "SEO", "Investing",
)  # fmt: skip
_PRODUCT_KINDS: Final = (
    "Template", "Preset Pack", "E-book", "Course", "Planner", "Toolkit", "Guide", "Workbook",
    "Masterclass", "Icon Set", "Font Bundle", "Checklist", "Cheat Sheet", "Mockups",
)  # fmt: skip
_WORDS: Final = (
    "great", "value", "clear", "simple", "helpful", "quality", "design", "worth", "price",
    "quick", "download", "easy", "use", "detailed", "beautiful", "exactly", "needed", "saved",
    "hours", "recommend", "support", "update", "content", "layout", "lessons", "examples",
    "practical", "well", "organized", "fun", "fresh", "clean", "inspiring", "solid", "workflow",
    "bonus", "tips", "format", "ideas", "daily", "project", "friendly", "thorough", "amazing",
)  # fmt: skip
_COMPANY_PARTS: Final = (
    "North", "Pixel", "Atlas", "Maple", "Cobalt", "Juniper", "Nimbus", "Harbor", "Lumen",
    "Orbit", "Willow", "Ember", "Summit", "Studio", "Works", "Labs", "Supply", "Collective",
)  # fmt: skip


def person_name(rng: random.Random) -> str:
    """A first and last name, e.g. ``"Priya Kowalski"``."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def slug(text: str) -> str:
    """``text`` lower-cased, accents dropped, runs of non-alphanumerics as one ``-``."""
    out: list[str] = []
    # Decomposing first keeps "é" as "e" instead of dropping the letter.
    for char in unicodedata.normalize("NFKD", text).lower():
        if unicodedata.combining(char):
            continue
        if char.isascii() and char.isalnum():
            out.append(char)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


def email(name: str, index: int, rng: random.Random) -> str:
    """An email address for ``name``; distinct ``index`` values give distinct addresses.

    ``index`` is embedded, so addresses are unique within one collection whatever ``rng`` draws.
    """
    local = slug(name).replace("-", ".") or "buyer"
    return f"{local}{index}@{rng.choice(EMAIL_DOMAINS)}"


def country(rng: random.Random) -> str:
    """An ISO 3166-1 alpha-2 country code, weighted as in :data:`COUNTRIES`."""
    return rng.choices(_COUNTRY_CODES, cum_weights=_COUNTRY_CUM_WEIGHTS)[0]


def product_name(rng: random.Random) -> str:
    """A digital product's name, e.g. ``"Minimal Notion Template"``."""
    return f"{rng.choice(_PRODUCT_ADJECTIVES)} {rng.choice(_PRODUCT_TOPICS)} {rng.choice(_PRODUCT_KINDS)}"  # noqa: E501


def company_name(rng: random.Random) -> str:
    """A small business name, e.g. ``"Cobalt Studio"``."""
    first = rng.choice(_COMPANY_PARTS[:12])
    return f"{first} {rng.choice(_COMPANY_PARTS[12:])}"


def words(rng: random.Random, n: int) -> list[str]:
    """``n`` lower-case words."""
    return [rng.choice(_WORDS) for _ in range(n)]


def sentence(rng: random.Random, min_words: int = 4, max_words: int = 12) -> str:
    """A capitalised sentence of ``min_words`` to ``max_words`` words ending with a full stop."""
    text = " ".join(words(rng, rng.randint(min_words, max_words)))
    return f"{text[:1].upper()}{text[1:]}."


def iso(ts: float) -> str:
    """The unix timestamp ``ts`` as ISO 8601 UTC with milliseconds: ``2024-01-15T10:30:00.000Z``."""
    moment = dt.datetime.fromtimestamp(round(ts, 3), dt.UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def object_id(ts: float, machine: int, counter: int) -> str:
    """A MongoDB-style ObjectId: 24 lowercase hex characters.

    Laid out like MongoDB's: 4 bytes of unix seconds (so ids sort roughly by creation time),
    5 bytes of ``machine`` (a per-store random value), 3 bytes of ``counter`` (mod 2**24).
    Equal inputs give equal ids; distinct counters below 2**24 give distinct ids.
    """
    return f"{int(ts) & 0xFFFFFFFF:08x}{machine & 0xFF_FFFF_FFFF:010x}{counter & 0xFFFFFF:06x}"


class ObjectIds:
    """A deterministic ObjectId factory: the ``machine`` bytes come from ``seed`` and ``name``,
    the counter starts at 0 and counts up. Different ``name`` values (one per collection) never
    produce the same id in practice (their machine bytes differ)."""

    def __init__(self, seed: int, name: str) -> None:
        digest = hashlib.blake2b(f"{seed}:{name}".encode(), digest_size=5).digest()
        self.machine = int.from_bytes(digest, "big")
        self.counter = 0

    def new(self, ts: float) -> str:
        """The next id, stamped with the unix time ``ts``."""
        value = object_id(ts, self.machine, self.counter)
        self.counter += 1
        return value

    def at(self, ts: float, counter: int) -> str:
        """The id for a given ``counter`` (for records stored without their id, column-wise)."""
        return object_id(ts, self.machine, counter)
