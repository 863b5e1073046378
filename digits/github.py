"""Post the pull-request comment, or update the one posted before, with the GitHub CLI (`gh api`).

This runs in the `workflow_run` workflow, which may write to pull requests but reads an artifact
that a pull request from a fork produced: the files are data, checked before use, never run.
`gh` reads GH_TOKEN and GH_REPO from the environment and fills in `{owner}/{repo}`.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from digits.errors import DigitsError
from digits.pr_comment import COMMENT_LIMIT, MARKER

BOT = "github-actions[bot]"  # the author of the comments the workflow's token posts


def post_comment(report_dir: str | Path, head_sha: str | None = None) -> str:
    """Create or update the PR's report comment from report_dir/comment.md; return what was done."""
    report_dir = Path(report_dir)
    number = _read(report_dir / "pull-request", 20).strip()
    if not re.fullmatch(r"[1-9][0-9]{0,9}", number):
        raise DigitsError(f"{report_dir / 'pull-request'}: expected a pull request number, got {number[:20]!r}")
    body = _read(report_dir / "comment.md", COMMENT_LIMIT)
    if not body.startswith(MARKER):
        raise DigitsError(f"{report_dir / 'comment.md'}: not a report comment (it must start with {MARKER})")
    if head_sha is not None:
        # The number comes from the artifact: post only to the pull request whose run made it.
        actual = gh("api", f"repos/{{owner}}/{{repo}}/pulls/{number}", "--jq", ".head.sha").strip()
        if actual != head_sha:
            raise DigitsError(f"pull request #{number} is at {actual[:12]}, not at the reported commit {head_sha[:12]}")
    query = f'.[] | select(.user.login == "{BOT}" and (.body | startswith("{MARKER}"))) | .id'
    found = gh("api", "--paginate", f"repos/{{owner}}/{{repo}}/issues/{number}/comments", "--jq", query).split()
    body_field = f"body=@{report_dir / 'comment.md'}"
    if found:
        gh("api", "--method", "PATCH", f"repos/{{owner}}/{{repo}}/issues/comments/{found[0]}", "-F", body_field)
        return f"updated comment {found[0]} on pull request #{number}"
    gh("api", "--method", "POST", f"repos/{{owner}}/{{repo}}/issues/{number}/comments", "-F", body_field)
    return f"commented on pull request #{number}"


def gh(*args: str) -> str:
    try:
        result = subprocess.run(["gh", *args], capture_output=True, text=True)
    except FileNotFoundError:
        raise DigitsError("the GitHub CLI `gh` is not installed (https://cli.github.com)") from None
    if result.returncode != 0:
        reason = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:] or ["no message"]
        raise DigitsError(f"gh {' '.join(args[:4])} failed: {reason[0]}")
    return result.stdout


def _read(path: Path, limit: int) -> str:
    """At most `limit` characters of a file from the artifact; a longer one is refused, not cut."""
    try:
        with path.open(encoding="utf-8") as handle:
            text = handle.read(limit + 1)
    except FileNotFoundError:
        raise DigitsError(f"{path}: not found (is this a `digits pr-report --pull-request N` directory?)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DigitsError(f"{path}: cannot read it ({error})") from None
    if len(text) > limit:
        raise DigitsError(f"{path}: longer than {limit} characters")
    return text
