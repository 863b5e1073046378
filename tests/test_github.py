"""`digits pr-comment` against a fake `gh` on PATH that records its calls and answers like GitHub's API."""

import json
import os
import sys

import pytest

from digits.pr_comment import MARKER

FAKE_GH = """#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_GH_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if os.environ.get("FAKE_GH_FAIL"):
    sys.exit("HTTP 403: Resource not accessible by integration")
if "--jq" in args and args[args.index("--jq") + 1] == ".head.sha":
    print(os.environ["FAKE_HEAD_SHA"])
elif "--jq" in args:  # the comments of the pull request that the query selects
    print("\\n".join(os.environ.get("FAKE_COMMENT_IDS", "").split()))
"""


@pytest.fixture
def fake_gh(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH.format(python=sys.executable))
    (bin_dir / "gh").chmod(0o755)
    log = tmp_path / "gh.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_GH_LOG", str(log))
    monkeypatch.setenv("FAKE_HEAD_SHA", "abc123")
    return lambda: [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def report_dir(tmp_path):
    directory = tmp_path / "pr-report"
    directory.mkdir()
    (directory / "comment.md").write_text(f"{MARKER}\n\n## Model report\n")
    (directory / "pull-request").write_text("42\n")
    return directory


def test_first_report_creates_a_comment(run_cli, fake_gh, report_dir):
    status, out, err = run_cli("pr-comment", str(report_dir), "--head-sha", "abc123")
    assert (status, out, err) == (0, "commented on pull request #42\n", "")
    calls = fake_gh()
    assert calls[0] == ["api", "repos/{owner}/{repo}/pulls/42", "--jq", ".head.sha"]
    assert calls[1][:3] == ["api", "--paginate", "repos/{owner}/{repo}/issues/42/comments"]
    assert MARKER in calls[1][-1] and "github-actions[bot]" in calls[1][-1]
    assert calls[2] == ["api", "--method", "POST", "repos/{owner}/{repo}/issues/42/comments",
                        "-F", f"body=@{report_dir / 'comment.md'}"]


def test_a_later_report_updates_the_same_comment(run_cli, fake_gh, report_dir, monkeypatch):
    monkeypatch.setenv("FAKE_COMMENT_IDS", "777")
    status, out, _ = run_cli("pr-comment", str(report_dir))
    assert (status, out) == (0, "updated comment 777 on pull request #42\n")
    assert fake_gh()[-1] == ["api", "--method", "PATCH", "repos/{owner}/{repo}/issues/comments/777",
                             "-F", f"body=@{report_dir / 'comment.md'}"]


@pytest.mark.parametrize("number", ["42; rm -rf /", "0", "", "4" * 30])
def test_a_pull_request_number_from_the_artifact_is_checked_before_gh_runs(run_cli, fake_gh, report_dir, number):
    (report_dir / "pull-request").write_text(number)
    status, out, err = run_cli("pr-comment", str(report_dir))
    assert status == 1 and out == "" and len(err.splitlines()) == 1 and "pull-request" in err
    assert fake_gh() == []


def test_a_report_for_another_commit_is_not_posted(run_cli, fake_gh, report_dir):
    status, _, err = run_cli("pr-comment", str(report_dir), "--head-sha", "def456")
    assert status == 1 and "pull request #42 is at abc123, not at the reported commit def456" in err
    assert len(fake_gh()) == 1  # only the lookup


def test_a_comment_without_the_marker_or_too_long_is_refused(run_cli, fake_gh, report_dir):
    (report_dir / "comment.md").write_text("## hello\n")
    assert "not a report comment" in run_cli("pr-comment", str(report_dir))[2]
    (report_dir / "comment.md").write_text(MARKER + "x" * 70_000)
    assert "longer than 65536 characters" in run_cli("pr-comment", str(report_dir))[2]
    assert fake_gh() == []


def test_a_gh_failure_is_one_line(run_cli, fake_gh, report_dir, monkeypatch):
    monkeypatch.setenv("FAKE_GH_FAIL", "1")
    status, _, err = run_cli("pr-comment", str(report_dir))
    assert status == 1
    assert err == "digits: error: gh api --paginate repos/{owner}/{repo}/issues/42/comments --jq failed: " \
                  "HTTP 403: Resource not accessible by integration\n"
