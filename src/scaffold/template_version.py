"""The version of the project template (`templates/project/`), the one place it is kept.

`scaffold init` and `scaffold upgrade` record `PROJECT_TEMPLATE_VERSION` in the project
(`.scaffold/template/state.json`); `scaffold generate` refuses, with exit 2 and nothing written,
a project whose recorded version is below `MIN_PROJECT_TEMPLATE_VERSION` and names
`scaffold upgrade` instead (DESIGN §9.6).

Whoever changes the project template's runtime (`core/`, `db.py`, `auth.py`, `main.py`,
`pyproject.toml`, `migrations/env.py`, `tests/conftest.py`, ...) bumps `PROJECT_TEMPLATE_VERSION`.
When the entity templates (`templates/entity/`) start to rely on that change (a new `core/`
module, a new function, a new dependency), raise `MIN_PROJECT_TEMPLATE_VERSION` to the same
number in the same commit: older projects are then told to upgrade rather than given code that
fails at import.

Version 1 is the template of the commit that introduced upgrades. Version 2 adds the statistics
cache (`core/cache.py`, `core/redis.py`, the middleware in `main.py`, `cachetools` and `redis` in
`pyproject.toml`, `make_app` and `redis_url` in `tests/conftest.py`); entity templates of cached
statistics import it, so it is also the minimum. Version 3 adds the operations of issue 15
(`core/content_type.py`: 415 for a write whose body is not JSON; `core/cors.py`:
`APP_CORS_ORIGINS`; `core/ratelimit.py`: rate limits, `limits` in `pyproject.toml`; their
middlewares in `main.py`, which reads the registry's `rate_limits`); it is the minimum too,
since a version-2 `main.py` would ignore the rate limits that specs set. Version 4 makes the
project's own suite fast (issue 17, `tests/conftest.py` only): the tables are created once per
session and copied (SQLite) or emptied (PostgreSQL) per test, and the `app` fixture reuses one
app with a new one's memory; and `core/stats.py` sums bigints as two halves (SQLite's integer
overflow). Entity templates need nothing of it, so the minimum stays 3. Version 5 adds
`core/statements.py` (issue 17: the generated queries build each statement once per shape and
keep it, binding the actor, the key and the values at each call); every entity's `queries.py`
imports it, so it is the minimum too. Version 6 is issue 25's faults and peer tools:
`core/faults.py` (503 `unavailable` with `Retry-After` when the database is away, one throttled
warning line a cause; every entity's `actions.py` imports it, so it is the minimum too),
`GET /ready`, the pool closed at shutdown, connect and pool timeouts and a ping of idle
connections in `db.py`, CORS preflights granted for every method whatever FastAPI stores
routes as (`core/cors.py`), request bodies as named OpenAPI components, pytest-alembic's
built-in tests, and lower bounds raised to what the dependency matrix proved. It also adds
sign-in (issue 28): the copier question `auth` (`password`, the default of `scaffold init`, or
`external`), written to scaffold.yaml; with `password`, `signin.py` (`POST /auth/token`,
`GET /auth/me`), `manage.py` (`create-user`), the OAuth2 password flow in `auth.py`, a `role` on
the seeded specs/user.yaml and `python-multipart`. A project upgraded from an older template
keeps `external` unless its scaffold.yaml says `auth: password`. Version 7 serves `/docs` and
`/redoc` with no network: their scripts come from the app (`/docs-assets`, the fastapi-offline
package, in `pyproject.toml`), not from a CDN; and sign-in picks, among users whose emails
differ only in case, the one spelled exactly (`manage create-user` refuses such a twin). Entity
templates need nothing of it, so the minimum stays 6. A project made before
version 1 records no version and counts as version 0 (`scaffold upgrade` finds its
merge bases among the past templates kept in `templates/project-history.tar.xz`; see
`scaffold/upgrade/history.py`).
"""

from __future__ import annotations

PROJECT_TEMPLATE_VERSION = 7
MIN_PROJECT_TEMPLATE_VERSION = 6
UNRECORDED_VERSION = 0  # a project made before versions were recorded
