"""Whether a SECRET_KEY is fit for production (plain Python: read by the settings).

A key anyone can read signs follow links for anyone: with the fixed key that
docker-compose used to fall back to, a stranger could confirm a follow that was
never opened or unsubscribe every follower. So production refuses a key that any
file of the repository holds (a default, an example, a test's key), and a key too
short or too uniform to be guessed only with effort.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

#: Django's own check (security.W009) asks for 50 characters and 5 distinct ones; a key
#: of 10 distinct characters still allows 64 hexadecimal digits, which it should.
MIN_LENGTH = 50
MIN_DISTINCT = 10
#: Not the repository's: what a walk of the tree (no git, as in the Docker image) skips.
_SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    "var",
    "staticfiles",
    "media",
    "build",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".import_linter_cache",
}
_SKIP_FILES = {".env"}  # where a deployment keeps its own key, never committed


def _tracked_files(root: Path) -> list[Path] | None:
    """The files git tracks under ``root``, or None where there is no git checkout."""
    if not (root / ".git").exists():
        return None
    try:
        listed = subprocess.run(  # noqa: S603 - fixed arguments, our own directory
            ["git", "-C", str(root), "ls-files", "-z"],  # noqa: S607 - git from PATH
            capture_output=True,
            timeout=20,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [root / os.fsdecode(name) for name in listed.split(b"\0") if name]


def _tree_files(root: Path) -> list[Path]:
    files = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info")]
        files.extend(Path(directory) / n for n in names if n not in _SKIP_FILES)
    return files


def files_holding(key: str, root: Path) -> list[Path]:
    """The repository's files whose text holds ``key`` (tracked files; every file of the
    tree but a deployment's own when git is not there)."""
    needle = key.encode()
    found = []
    for path in _tracked_files(root) or _tree_files(root):
        try:
            if needle in path.read_bytes():
                found.append(path)
        except OSError:  # a symlink to nowhere, a file deleted but still tracked
            continue
    return found


def key_problems(key: str, root: Path) -> list[str]:
    """What is wrong with ``key`` for production; empty when nothing is."""
    problems = []
    if len(key) < MIN_LENGTH:
        problems.append(f"it has {len(key)} characters, fewer than {MIN_LENGTH}")
    if len(set(key)) < MIN_DISTINCT:
        problems.append(f"it has fewer than {MIN_DISTINCT} distinct characters")
    if key.startswith(("django-insecure", "dev-only")):
        problems.append("it is a development key")
    if key:
        holding = files_holding(key, root)
        if holding:
            names = ", ".join(str(p.relative_to(root)) for p in holding[:3])
            problems.append(f"the repository holds it ({names}), so anyone can read it")
    return problems
