"""Finding a project and reading its settings (`scaffold.yaml` at the project root)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import UsageError

SETTINGS_FILE = "scaffold.yaml"
STATE_DIR = ".scaffold"
PACKAGE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
FOLDER_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")
# How the project's users sign in (DESIGN §10.5): `password` (the project's own /auth/token)
# or `external` (tokens of another identity provider); a project made before either existed
# says neither, and keeps working as `external` did.
AUTH_MODES = ("password", "external")


@dataclass(frozen=True)
class Project:
    """A generated project: its root folder and the settings of its `scaffold.yaml`."""

    root: Path
    package: str
    specs_dir: str = "specs"
    src_dir: str = "src"
    exclude: tuple[str, ...] = ()  # spec files (relative, posix) left out, for `destroy`
    auth: str | None = None  # `auth:` of scaffold.yaml, when it says

    @property
    def specs_path(self) -> Path:
        return self.root / self.specs_dir

    @property
    def state_path(self) -> Path:
        return self.root / STATE_DIR

    @property
    def package_path(self) -> str:
        """The package folder relative to the root, with forward slashes: `src/myapp`."""
        return f"{self.src_dir}/{self.package}"


def find_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above `start` holding `scaffold.yaml`, or None."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def load_project(start: Path | None = None) -> Project:
    """The project around `start` (default: the current folder); a UsageError outside one."""
    root = find_root(start)
    if root is None:
        raise UsageError(
            f"no {SETTINGS_FILE} found in this folder or above it; run `scaffold init DIR` "
            "to create a project, or run this command inside one"
        )
    import yaml  # local: keep `scaffold --help` light

    path = root / SETTINGS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a mapping with at least `package: <name>`")
    package = data.get("package")
    if not isinstance(package, str) or not PACKAGE_RE.match(package):
        raise UsageError(f"{path}: `package:` must be a snake_case Python package name")
    specs_dir = data.get("specs", "specs")
    src_dir = data.get("src", "src")
    for key, value in (("specs", specs_dir), ("src", src_dir)):
        if not isinstance(value, str) or not FOLDER_RE.match(value) or ".." in value:
            raise UsageError(f"{path}: `{key}:` must be a relative folder inside the project")
    auth = data.get("auth")
    if auth is not None and auth not in AUTH_MODES:
        raise UsageError(
            f"{path}: `auth:` must be `password` (users sign in with an email and a password) "
            "or `external` (tokens of your own identity provider), not "
            f"{auth!r}"
        )
    return Project(root=root, package=package, specs_dir=specs_dir, src_dir=src_dir, auth=auth)
