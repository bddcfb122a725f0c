"""Every name the IR carries is computed here: classes, plurals, constraint and index names.

Constraint names follow one convention (docs/spec-language.md, "Names"): `pk_<table>`,
`fk_<table>_<cols>_<ref_table>`, `uq_<table>_<cols>`, `ix_<table>_<cols>`,
`ck_<table>_<column>_<rule>`. PostgreSQL truncates identifiers at 63 bytes, silently, so a long
name is shortened here instead — deterministically, with a hash of the full name appended so two
long names that share a prefix stay distinct.
"""

from __future__ import annotations

import builtins
import hashlib
import keyword
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_IDENT = 63

# Columns scaffold adds itself; a field may never be called like one of them.
SYSTEM_COLUMNS = (
    "id",
    "user_id",
    "created_at",
    "updated_at",
    "deleted_at",
    "version",
    "visibility",
)

# PostgreSQL's reserved key words (SQL Key Words appendix, "reserved" and "reserved (can be
# function or type)") and SQLite's key words that cannot fall back to identifiers. A table or
# column named like one of them needs quoting in hand-written SQL, breaks raw CHECK/WHERE text,
# and trips every tool that forgets to quote — so they are refused, with advice.
_SQL_WORDS = """
    add all alter analyse analyze and any array as asc asymmetric authorization autoincrement
    between binary both case cast check collate collation column commit concurrently constraint
    create cross current_catalog current_date current_role current_schema current_time
    current_timestamp current_user default deferrable delete desc distinct do drop else end
    escape except exists false fetch filter for foreign freeze from full grant group having
    ilike in index indexed initially inner insert intersect into is isnull join lateral leading
    left like limit localtime localtimestamp natural not nothing notnull null offset on only or
    order outer over overlaps placing primary references returning right rollback select
    session_user set similar some symmetric system_user table tablesample then to trailing
    transaction true union unique update user using values variadic verbose when where window
    with
    """
SQL_RESERVED = frozenset(_SQL_WORDS.split())

# Names the databases give a meaning of their own (PostgreSQL system columns, SQLite's rowid).
SQL_SYSTEM_NAMES = frozenset(
    {"oid", "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "rowid", "_rowid_"}
)

SQL_ADVICE: dict[str, str] = {
    "order": "write `sort_order` or `position`",
    "group": "write `group_name` or `team`",
    "user": "write `author`, `member` or `account` (an owner is declared with `owner: user`)",
    "table": "write `table_name`",
    "limit": "write `max_count` or `quota`",
    "default": "write `is_default` or `fallback`",
    "check": "write `check_result`",
    "column": "write `column_name`",
    "end": "write `ends_at` or `end_date`",
    "from": "write `sender` or `from_date`",
    "to": "write `recipient` or `to_date`",
    "select": "write `selection`",
    "index": "write `position` or `rank`",
    "values": "write `items` or `amounts`",
    "primary": "write `is_primary`",
    "unique": "write `is_unique`",
    "true": "write `is_true`",
    "false": "write `is_false`",
    "window": "write `time_window`",
    "current_date": "write `as_of`",
    "offset": "write `shift` or `offset_value`",
    "desc": "write `details` or `summary`",
    "asc": "write `ascending`",
}

# Builtins that generated code calls; a field (a function parameter in queries and actions)
# named like one would shadow it.
BUILTIN_SHADOWS = frozenset(
    {
        "all",
        "any",
        "bool",
        "bytes",
        "dict",
        "float",
        "int",
        "isinstance",
        "len",
        "list",
        "max",
        "min",
        "object",
        "print",
        "set",
        "str",
        "sum",
        "super",
        "tuple",
    }
)

# Attributes of SQLAlchemy declarative models and pydantic models, and the parameter names of
# generated functions: a field named like one would break the class or the signature.
FRAMEWORK_NAMES = frozenset(
    {
        "metadata",
        "registry",
        "copy",
        "json",
        "dict",
        "schema",
        "validate",
        "construct",
        "session",
        "actor",
        "cursor",
        "self",
        "cls",
    }
)

# Entity names whose class would clash with a name the generated modules import.
RESERVED_ENTITY_NAMES = frozenset(
    {
        "base",
        "page",
        "actor",
        "action_result",
        "action_error",
        "action_failed",
        "field",
        "query",
        "path",
        "request",
        "response",
        "literal",
        "any",
        "annotated",
        "mapped",
        "depends",
        "api_router",
        "error_body",
        "session",
    }
)

# Names the generated entity modules import (tests/ir/test_naming_imports.py keeps this list in
# step with the templates): an entity whose class would have one of these names is refused.
IMPORTED_CLASS_NAMES = frozenset(
    {
        "APIRouter",
        "ActionResult",
        "Actor",
        "ActorDep",
        "AfterValidator",
        "Int32",
        "Int64",
        "Interval",
        "Annotated",
        "Any",
        "AsyncEngine",
        "AsyncIterator",
        "AsyncSession",
        "Awaitable",
        "Sequence",
        "Base",
        "BaseModel",
        "BeforeValidator",
        "Body",
        "Callable",
        "ConfigDict",
        "DataError",
        "Decimal",
        "FastAPI",
        "HTTPException",
        "Email",
        "Field",
        "IntegrityError",
        "InvalidCursor",
        "JSONResponse",
        "IsoDate",
        "Iterable",
        "JsonValue",
        "Kept",
        "Literal",
        "Mapped",
        "Measure",
        "Page",
        "Query",
        "RANGES",
        "ROUTE",
        "Request",  # constants of the generated tests (no entity's class is all capitals)
        "Response",
        "SessionDep",
        "SkipJsonSchema",
        "Span",
        "StatsInputError",
        "StrictDecimal",
        "StringConstraints",
        "TypeVar",
        "UTC",
        "Url",
        "UtcDateTime",
        "ValidationError",
        "WithJsonSchema",
        "ZONES",
        "ZoneInfo",
    }
)


def clashes_with_import(entity: str) -> bool:
    """True when `entity`'s class name is a name generated modules import (`email` → `Email`)."""
    return entity in RESERVED_ENTITY_NAMES or class_name(entity) in IMPORTED_CLASS_NAMES


# Plurals (module folders) that would clash with files next to them.
RESERVED_MODULES = frozenset({"registry", "factories", "conftest"})

# Plurals whose route (`/<plural>`) the app already serves: FastAPI's documentation pages, the
# liveness probe, the audit log (DESIGN §9.4).
RESERVED_ROUTES = frozenset({"docs", "redoc", "health", "audit_events"})

# Hard keywords plus the soft keywords `match` and `case`; not `type` (a soft keyword since
# 3.12, and a fine field name). Fixed here so every Python version accepts the same specs.
PYTHON_KEYWORDS = frozenset(keyword.kwlist) | frozenset({"match", "case"})


def is_builtin(name: str) -> bool:
    return hasattr(builtins, name)


def limit_name(name: str) -> str:
    """`name`, or when it is longer than 63 characters, a deterministic 63-character form."""
    if len(name) <= MAX_IDENT:
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    return f"{name[: MAX_IDENT - 9]}_{digest}"


def pk_name(table: str) -> str:
    return limit_name(f"pk_{table}")


def fk_name(table: str, columns: Iterable[str], ref_table: str) -> str:
    return limit_name(f"fk_{table}_{'_'.join(columns)}_{ref_table}")


def uq_name(table: str, columns: Iterable[str]) -> str:
    return limit_name(f"uq_{table}_{'_'.join(columns)}")


def ix_name(table: str, columns: Iterable[str], suffix: str = "") -> str:
    return limit_name(f"ix_{table}_{'_'.join(columns)}{suffix}")


def ck_name(table: str, column: str, rule: str) -> str:
    return limit_name(f"ck_{table}_{column}_{rule}")


def class_name(name: str) -> str:
    """`shelf_item` → `ShelfItem`."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


@lru_cache(maxsize=1)
def _inflect_engine() -> object:
    """inflect's engine, imported without typeguard.

    inflect ≥ 7 decorates its engine with `typeguard.typechecked`, which re-parses inflect's
    source at import (1.5 s), and importing typeguard alone costs ~75 ms — on every
    `scaffold validate` and `generate`. We call inflect with plain strings we checked ourselves,
    so while inflect loads, `typeguard` is a stand-in module whose `typechecked` returns what it
    decorates; the real typeguard (if anything else imports it later) is untouched.
    """
    import sys
    import types

    if "inflect" not in sys.modules and "typeguard" not in sys.modules:
        stand_in = types.ModuleType("typeguard")
        stand_in.typechecked = _no_check_decorator  # type: ignore[attr-defined]
        sys.modules["typeguard"] = stand_in
        try:
            import inflect
        except ImportError:  # an inflect that needs more of typeguard: patch the real one below
            pass
        finally:
            del sys.modules["typeguard"]
    if "inflect" not in sys.modules:
        import typeguard

        original = typeguard.typechecked
        typeguard.typechecked = _no_check_decorator
        try:
            import inflect
        finally:
            typeguard.typechecked = original
    import inflect

    return inflect.engine()


def _no_check_decorator(target: Any = None, **_options: Any) -> Any:
    return (lambda inner: inner) if target is None else target


# Where inflect is wrong for the names of tables, in one place (tests/ir/test_naming.py holds
# each of them to its word). Everything else comes from inflect's `singular_noun`/`plural_noun`.
#
# Mass nouns and acronyms: their plural is the word itself, and they are never singularized
# (inflect gives `datas`/`datum`, `medias`, `kudoss`/`kudo`, `smss`/`sm`, `analytics`/`analytic`).
UNCOUNTABLE = frozenset(
    {
        "analytics",
        "data",
        "economics",
        "feedback",
        "gps",
        "info",
        "kudos",
        "logistics",
        "mathematics",
        "media",
        "metadata",
        "physics",
        "sms",
        "software",
        "staff",
    }
)
# Plurals whose singular inflect gets wrong (`indices` → `indice`).
IRREGULAR_SINGULAR = {"indices": "index", "matrices": "matrix", "vertices": "vertex"}


def plural(name: str) -> str:
    """Plural of a snake_case name, inflecting its last word: `shelf_item` → `shelf_items`.

    A name that is already plural or uncountable is its own plural (`comments`, `people`,
    `news`, `series`): nothing is inflected twice.
    """
    head, _, last = name.rpartition("_")
    known = _known_plurals()
    word = known.get(last)
    if word is None or not NAME_RE.match(word):  # a cache file edited by hand is not trusted
        word = _inflected(last)
        known[last] = word
        from scaffold.cache import write_json_cache

        write_json_cache(_plurals_file(), known)
    return f"{head}_{word}" if head else word


def singular(name: str) -> str:
    """Singular of a snake_case name whose last word is plural (`shelf_items` → `shelf_item`,
    `people` → `person`); any other name as it is (`status`, `address`, `news`, `series`)."""
    head, _, last = name.rpartition("_")
    word = _singular_word(last)
    if word is None:
        return name
    return f"{head}_{word}" if head else word


def _singular_word(word: str) -> str | None:
    """The singular of `word` when `word` is a plural, else None.

    inflect's `singular_noun` strips an `s` from any word (`status` → `statu`, `bus` → `bu`), so
    a word counts as plural only when inflect agrees both ways: its singular pluralizes back to
    it, and inflect itself would not pluralize the word as a singular (`bus` → `buses`, but
    `comments` → `commentss`).
    """
    if word in UNCOUNTABLE or not NAME_RE.match(word):
        return None
    if word in IRREGULAR_SINGULAR:
        return IRREGULAR_SINGULAR[word]
    engine: Any = _inflect_engine()
    try:
        single = engine.singular_noun(word)
        if not single or single == word or not NAME_RE.match(str(single)):
            return None
        single = str(single)
        if str(engine.plural_noun(word)) != word + "s":
            return None  # inflect pluralizes the word itself: a singular that ends in `s`
        if str(engine.plural_noun(single)) != word:
            return None
    except Exception:  # inflect raises on odd input: then the word is taken as it is
        return None
    return single


def _inflected(last: str) -> str:
    if last in UNCOUNTABLE or _singular_word(last) is not None:
        return last  # already plural
    engine: Any = _inflect_engine()
    try:
        word = str(engine.plural_noun(last))
    except Exception:  # inflect raises on odd input; fall back to the regular plural
        word = ""
    if not word or not NAME_RE.match(word):
        word = last + "s" if not last.endswith("s") else last + "es"
    return word


@lru_cache(maxsize=1)
def _plurals_file() -> str:
    """The cache file of plurals already inflected: they depend on inflect and on this code."""
    from scaffold.cache import installed_version
    from scaffold.digest import code_digest

    key = f"{code_digest()} {installed_version('inflect')}"
    return f"plurals-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"


@lru_cache(maxsize=1)
def _known_plurals() -> dict[str, str]:
    """Plurals inflected before (by any run): importing inflect costs ~15 ms a run."""
    from scaffold.cache import read_json_cache

    return read_json_cache(_plurals_file())
