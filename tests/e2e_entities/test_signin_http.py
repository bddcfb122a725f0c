"""Sign-in as a new user meets it (issue 28's "done when"): `scaffold init`, `alembic upgrade
head`, `manage create-user --admin`, the app served by `python -m <package>`, then over real
HTTP the admin signs in, creates a member, and the member signs in; on SQLite and PostgreSQL.
Nothing is written by hand. In the long profile, a real browser signs in from /docs too
(Debian's chromium driven by playwright, `bash scripts/install-browser.sh`), with every request
to another host refused: the page works offline."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import async_url
from tests.reliability.figures import LONG
from tests.reliability.project import free_port, must, scaffold_cmd

from .projects import project_env

pytestmark = pytest.mark.slow

PACKAGE = "signapp"
SECRET = "signin-e2e-secret-0123456789abcdef0123456789abcdef"
ADMIN_EMAIL = "admin@example.com"
PASSWORD = "a long and private passphrase"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parent = tmp_path_factory.mktemp("signin")
    must(scaffold_cmd(parent, "init", PACKAGE, "--defaults"))
    return parent / PACKAGE


@dataclass
class Site:
    root: Path
    env: dict[str, str]
    url: str

    def manage(self, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", f"{PACKAGE}.manage", *args, "--password-stdin"],
            input=password + "\n",
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def sign_in(self, email: str, password: str) -> httpx.Response:
        form = {"username": email, "password": password}
        return httpx.post(f"{self.url}/auth/token", data=form, timeout=10)


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, project: Path, tmp_path: Path) -> Iterator[Site]:
    if request.param == "sqlite":
        database = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    else:
        database = async_url(request.getfixturevalue("postgres_url"))
    env = project_env(project, DATABASE_URL=database, APP_SECRET_KEY=SECRET)
    env.pop("APP_ENV")  # production settings, as the README runs it
    migrated = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", PACKAGE, "--port", str(port)],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stdout.read() if server.stdout else ""
                pytest.fail(f"the app did not start:\n{output[-4000:]}")
            time.sleep(0.2)
        yield Site(project, env, url)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_first_admin_signs_in_creates_a_member_who_signs_in(site: Site) -> None:
    made = site.manage("create-user", ADMIN_EMAIL, "--admin")
    assert made.returncode == 0, made.stdout + made.stderr
    assert f"created user {ADMIN_EMAIL}" in made.stdout

    token = site.sign_in(ADMIN_EMAIL, PASSWORD)
    assert token.status_code == 200, token.text
    assert token.json()["token_type"] == "bearer"
    admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
    me = httpx.get(f"{site.url}/auth/me", headers=admin, timeout=10)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == ADMIN_EMAIL
    assert me.json()["role"] == "admin"

    member_email = "member@example.com"
    body = {"email": member_email, "password": "another private passphrase"}
    created = httpx.post(f"{site.url}/users", json=body, headers=admin, timeout=10)
    assert created.status_code == 201, created.text
    assert created.json()["role"] == "member"

    signed = site.sign_in(member_email, body["password"])
    assert signed.status_code == 200, signed.text
    member = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    mine = httpx.get(f"{site.url}/auth/me", headers=member, timeout=10)
    assert mine.json()["email"] == member_email
    other = {"email": "third@example.com", "password": "yet another passphrase"}
    refused = httpx.post(f"{site.url}/users", json=other, headers=member, timeout=10)
    assert refused.status_code == 403, refused.text

    wrong = site.sign_in(member_email, "not the passphrase")
    unknown = site.sign_in("nobody@example.com", "not the passphrase")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"

    document = httpx.get(f"{site.url}/openapi.json", timeout=10).json()
    flows = [s.get("flows") for s in document["components"]["securitySchemes"].values()]
    assert {"password": {"scopes": {}, "tokenUrl": "/auth/token"}} in flows


def test_create_user_refuses_clearly(site: Site) -> None:
    assert site.manage("create-user", ADMIN_EMAIL, "--admin").returncode == 0
    again = site.manage("create-user", ADMIN_EMAIL)
    assert again.returncode == 1
    assert "already exists" in again.stderr
    weak = site.manage("create-user", "weak@example.com", password="password")
    assert weak.returncode == 1
    assert "common" in weak.stderr
    empty = site.manage("create-user", "empty@example.com", password="")
    assert empty.returncode == 1
    assert "empty" in empty.stderr
    for answer in (again, weak, empty):
        assert "Traceback" not in answer.stdout + answer.stderr


# --- the docs page in a real browser (long profile) -----------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


def browser_or_skip() -> None:
    """The long profile's browser test needs Debian's chromium and Python's playwright
    (`bash scripts/install-browser.sh`); anywhere else it is skipped, saying so."""
    if not LONG:
        pytest.skip("the browser test runs in the long profile (SCAFFOLD_LONG=1)")
    if not CHROMIUM.exists() or importlib.util.find_spec("playwright") is None:
        pytest.skip("no browser: run `bash scripts/install-browser.sh` (chromium and playwright)")


def test_signin_from_the_docs_page_in_a_browser(site: Site, tmp_path: Path) -> None:
    """A person opens /docs, clicks Authorize, gives the admin's email and password, calls
    GET /auth/me with "Try it out" and sees the user; the page asks nothing of another host."""
    browser_or_skip()
    from playwright.sync_api import Route, sync_playwright

    assert site.manage("create-user", ADMIN_EMAIL, "--admin").returncode == 0
    elsewhere: list[str] = []

    def only_the_app(route: Route) -> None:
        if route.request.url.startswith(site.url):
            route.continue_()
        else:  # a CDN, a font: the page must not need it
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page()  # (leaving the `with` closes the browser, whatever happens)
        try:
            page.set_default_timeout(20_000)
            page.route("**/*", only_the_app)
            page.goto(f"{site.url}/docs")
            page.get_by_role("button", name="Authorize").first.click()
            page.locator("#oauth_username").fill(ADMIN_EMAIL)
            page.locator("#oauth_password").fill(PASSWORD)
            page.locator(".modal-ux button.authorize").click()
            modal = page.locator(".modal-ux")
            modal.get_by_text("Authorized", exact=True).wait_for()  # signed in
            modal.locator("button", has_text="Close").click()
            operation = page.locator(".opblock-get", has=page.locator('[data-path="/auth/me"]'))
            operation.locator(".opblock-summary").click()
            operation.locator("button.try-out__btn").click()
            operation.locator("button.execute").click()
            status = operation.locator(".live-responses-table .response .response-col_status")
            status.first.wait_for()
            body = operation.locator(".live-responses-table .response-col_description pre")
            assert status.first.inner_text().strip() == "200", body.first.inner_text()
            assert ADMIN_EMAIL in body.first.inner_text()
            assert '"role": "admin"' in body.first.inner_text()
        except Exception:
            page.screenshot(path=tmp_path / "docs-page.png", full_page=True)
            raise  # the screenshot shows where the page stood
        finally:
            browser.close()
    assert elsewhere == []
