"""The pre-commit hook as a proposals repository uses it: real git, real pre-commit, real install.

A scratch git repository holds the files pre-commit needs to install bidfit
(``pyproject.toml``, ``src/``, ``.pre-commit-hooks.yaml``), committed; a second
scratch repository of proposals refers to it by path and commit, as a team
refers to the published repository by URL and tag. pre-commit then builds its
own environment with pip (bidfit's dependencies come from PyPI) and runs the
hook. The first run installs that environment, which takes a minute or two;
both tests share it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# pre-commit comes with the test extra and git with every checkout: both must be here.
import pre_commit  # noqa: F401
import pytest

assert shutil.which("git"), "git is needed to run pre-commit (the test installs the hook in a scratch repo)"

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "check"


def _git_env(tmp: Path) -> dict[str, str]:
    """An environment that ignores the user's git configuration and names a committer."""
    empty = tmp / "gitconfig"
    empty.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        GIT_CONFIG_GLOBAL=str(empty),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="bidfit tests",
        GIT_AUTHOR_EMAIL="tests@example.invalid",
        GIT_COMMITTER_NAME="bidfit tests",
        GIT_COMMITTER_EMAIL="tests@example.invalid",
        PRE_COMMIT_HOME=str(tmp / "pre-commit-home"),
        PRE_COMMIT_COLOR="never",
        NO_COLOR="1",
    )
    return env


def _git(repo: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _hook_repository(target: Path, env: dict[str, str]) -> str:
    """Copy what pre-commit installs from into ``target``, commit it, return the commit."""
    target.mkdir()
    for name in ("pyproject.toml", ".pre-commit-hooks.yaml", "README.md", "LICENSE"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "src", target / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    _git(target, env, "init", "-q")
    _git(target, env, "add", "-A")
    _git(target, env, "commit", "-q", "-m", "bidfit hook")
    return _git(target, env, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def proposals(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A proposals repository whose pre-commit config uses the bidfit-check hook."""
    tmp = tmp_path_factory.mktemp("precommit")
    env = _git_env(tmp)
    rev = _hook_repository(tmp / "bidfit-hook", env)
    repo = tmp / "proposals"
    repo.mkdir()
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {(tmp / 'bidfit-hook').as_posix()}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: bidfit-check\n"
    )
    shutil.copy(DATA / "failing.yaml", repo / "failing.yaml")
    shutil.copy(DATA / "passing.yaml", repo / "passing.yaml")
    # The rest of a real proposals repository: a YAML review policy and unrelated YAML and JSON.
    (repo / "policies").mkdir()
    (repo / "policies" / "review.yaml").write_text("max_payback_years: 4\nmin_benefit_cost_ratio: 1.1\n")
    (repo / "mkdocs.yml").write_text("site_name: Proposals\nnav:\n  - index.md\n")
    (repo / "package.json").write_text('{"name": "proposal-site", "private": true}\n')
    _git(repo, env, "init", "-q")
    _git(repo, env, "add", "-A")
    return repo, env


def _pre_commit(repo: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "bidfit-check", "--files", *files],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_hook_blocks_a_proposal_that_leaves_the_customer_worse_off(proposals):
    repo, env = proposals
    done = _pre_commit(repo, env, "failing.yaml")
    output = done.stdout + done.stderr
    assert "An unexpected error has occurred" not in output, output
    assert done.returncode == 1, output
    assert "Failed" in output and "exit code: 1" in output
    assert "[FAIL] Overpriced (Our quote): FAILS POLICY" in output
    assert "the customer is worse off (NPV EUR -1.39M)" in output
    assert "ERROR RUNNING_COST_EXCEEDS_REVENUE [lever: recurring fees]" in output


def test_the_hook_lets_a_passing_proposal_through(proposals):
    repo, env = proposals
    done = _pre_commit(repo, env, "passing.yaml", ".pre-commit-config.yaml")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Passed" in output


def test_the_hook_skips_yaml_that_is_not_a_case_and_still_blocks_a_failing_one(proposals):
    repo, env = proposals
    others = ("policies/review.yaml", "mkdocs.yml", "package.json")
    done = _pre_commit(repo, env, "passing.yaml", *others)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Passed" in output
    done = _pre_commit(repo, env, *others)  # nothing but other files changed: nothing to check
    assert done.returncode == 0, done.stdout + done.stderr
    done = _pre_commit(repo, env, "failing.yaml", *others)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "[FAIL] Overpriced (Our quote): FAILS POLICY" in output
