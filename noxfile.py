"""Every task of the project: `python3 -m nox -l` lists them; `python3 -m nox` runs the checks."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "typecheck", "codegen_check", "tests"]

PYPROJECT = nox.project.load_toml("pyproject.toml")


def install_group(session: nox.Session, *groups: str, extras: str = "") -> None:
    """Install the project (with ``extras``) and the pinned development ``groups``."""
    requirements = [
        req for group in groups for req in nox.project.dependency_groups(PYPROJECT, group)
    ]
    session.install(f".{extras}", *requirements)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite against the in-process sandbox (loopback HTTP only)."""
    install_group(session, "test", "codegen", extras="[redis]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole tree."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over src/."""
    install_group(session, "typecheck", extras="[redis]")
    session.run("mypy")


@nox.session
def codegen(session: nox.Session) -> None:
    """Regenerate the attrs models from schemas/."""
    install_group(session, "codegen")
    session.run("python", "-m", "codegen")


@nox.session
def codegen_check(session: nox.Session) -> None:
    """Fail when the committed models differ from what schemas/ produce."""
    install_group(session, "codegen")
    session.run("python", "-m", "codegen", "--check")


@nox.session
def demo(session: nox.Session) -> None:
    """The main job: export every collection of both APIs from a local sandbox store."""
    install_group(session, extras="[cli]")
    session.run("storeflow", "demo", "--out", "exports", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the peers; writes bench/REPORT.md and bench/results/latest.{json,png}.

    ``nox -s bench -- --quick`` is the short run (fewer repeats, smaller stores).
    """
    install_group(session, "bench", extras="[cli,redis]")
    session.run("python", "-m", "bench", *session.posargs)
