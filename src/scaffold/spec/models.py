"""The spec language v1 as pydantic models: strict, plain, mirroring the YAML (DESIGN §2).

These models check the *shape* of one spec (keys, types, allowed words) and expand short forms;
everything that needs more than one key or more than one file (refs, names, defaults that must
fit their type, the keyset order) is checked by the resolver, which can point at the exact key.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from scaffold.spec.shorthand import expand

FieldType = Literal[
    "string",
    "text",
    "int",
    "bigint",
    "float",
    "decimal",
    "bool",
    "date",
    "datetime",
    "uuid",
    "email",
    "url",
    "enum",
    "json",
    "password",
    "ref",
    "many",
]
OnDeleteSpec = Literal["cascade", "restrict", "set_null"]
VisibilitySpec = Literal["private", "public", "per_row"]
Scalar = str | int | float | bool | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FieldSpec(_Strict):
    """One field, long form. A string (`string(120)?`) is expanded to this before validation."""

    type: FieldType
    required: bool = True
    default: Any = None
    unique: bool = False
    index: bool = False
    min: int | float | str | None = None
    max: int | float | str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    description: str | None = None
    secret: bool = False
    immutable: bool = False
    renamed_from: str | None = None
    values: list[str] | None = None
    to: str | None = None
    via: str | None = None  # a many field's explicit link entity (`via: vote`)
    on_delete: OnDeleteSpec | None = None
    precision: int | None = None
    scale: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        if isinstance(data, str):
            return expand(data)
        if data is None:
            raise ValueError("a field needs a type, e.g. `text` or {type: string, max_length: 80}")
        return data

    @property
    def has_default(self) -> bool:
        return "default" in self.model_fields_set


class OwnerSpec(_Strict):
    """`owner: user`, `owner: none` or `owner: {through: <ref field>}`."""

    kind: Literal["user", "none", "through"] = "user"
    through: str | None = None


class IndexSpec(_Strict):
    """`[a, b]` or `{fields: [a, b], where: {status: open}, unique: true}`."""

    fields: list[str]
    where: dict[str, Scalar] | None = None
    unique: bool = False

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"fields": [data]}
        if isinstance(data, list):
            return {"fields": data}
        return data


class ListSpec(_Strict):
    """`list:` — keyset order, page sizes and the equality filters of the list endpoint."""

    order: list[str] | None = None
    default_limit: int | None = None
    max_limit: int | None = None
    filters: list[str] = Field(default_factory=list)


Period = Literal["hour", "day", "week", "month", "year"]


class StatSpec(_Strict):
    """One entry of `stats:` (DESIGN §9.3): buckets of a period and/or groups, with aggregates."""

    period: Period | None = None
    on: str | None = None
    group: str | None = None
    sum: list[str] = Field(default_factory=list)
    avg: list[str] = Field(default_factory=list)
    min: list[str] = Field(default_factory=list)
    max: list[str] = Field(default_factory=list)

    @field_validator("sum", "avg", "min", "max", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        return value


class RateLimitSpec(_Strict):
    """`rate_limit: {read: 100/minute, write: 10/minute}`: the entity's own limits, in the
    notation of the `limits` library the generated app counts with (checked with it here)."""

    read: str | None = None
    write: str | None = None

    @field_validator("read", "write")
    @classmethod
    def _parses(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        from limits import parse_many  # ~70 ms to import: only for a spec with a rate limit

        try:
            items = parse_many(value)
        except ValueError:
            items = []
        if not items or any(item.amount < 1 for item in items):
            raise ValueError(
                f"`rate_limit.{info.field_name}` is not a rate limit: write it like 100/minute "
                "or 10/second;1000/day (the limits library's notation)"
            )
        return value.strip()


class EntitySpec(_Strict):
    """One spec file."""

    entity: str
    plural: str | None = None
    table: str | None = None
    description: str | None = None
    owner: OwnerSpec = Field(default_factory=OwnerSpec)
    visibility: VisibilitySpec = "private"
    timestamps: bool = True
    soft_delete: bool = False
    versioned: bool = False
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    indexes: list[IndexSpec] = Field(default_factory=list)
    unique: list[list[str]] = Field(default_factory=list)
    listing: ListSpec = Field(default_factory=ListSpec, alias="list")
    api: bool = True
    primary_key: list[str] | None = None
    renamed_from: str | None = None
    stats: dict[str, StatSpec] = Field(default_factory=dict)
    stats_cache_seconds: int = Field(default=0, ge=0)
    rate_limit: RateLimitSpec = Field(default_factory=RateLimitSpec)
    audit: bool = False

    @field_validator("stats", mode="before")
    @classmethod
    def _stats(cls, value: Any) -> Any:
        if value is None:
            return {}
        return value

    @field_validator("owner", mode="before")
    @classmethod
    def _owner(cls, value: Any) -> Any:
        if isinstance(value, OwnerSpec):
            return value
        if value in ("user", "none"):
            return OwnerSpec(kind=value)
        if value is None:
            raise ValueError("`owner` is empty; write `user`, `none` or {through: <ref field>}")
        if isinstance(value, dict):
            extra = sorted(k for k in value if k != "through")
            if extra:
                raise ValueError(
                    f"unknown key `{extra[0]}` in `owner`; write {{through: <ref field>}}"
                )
            through = value.get("through")
            if not isinstance(through, str) or not through:
                raise ValueError("`owner: {through: ...}` names a ref field of this entity")
            return OwnerSpec(kind="through", through=through)
        raise ValueError(
            f"`owner` must be `user`, `none` or {{through: <ref field>}}, not `{value}`"
        )

    @field_validator("unique", mode="before")
    @classmethod
    def _unique_sets(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [[item] if isinstance(item, str) else item for item in value]
        return value

    @field_validator("primary_key", mode="before")
    @classmethod
    def _primary_key(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        return value

    @field_validator("fields", mode="before")
    @classmethod
    def _fields(cls, value: Any) -> Any:
        if value is None:
            return {}
        return value


ENTITY_KEYS = tuple(
    (f.alias or name) for name, f in EntitySpec.model_fields.items()
)  # as written in YAML
FIELD_KEYS = tuple(FieldSpec.model_fields)
INDEX_KEYS = tuple(IndexSpec.model_fields)
LIST_KEYS = tuple(ListSpec.model_fields)
STAT_KEYS = tuple(StatSpec.model_fields)
RATE_LIMIT_KEYS = tuple(RateLimitSpec.model_fields)
