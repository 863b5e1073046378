"""The GitHub Actions workflows cannot run here, so check what can be checked: each is a valid
workflow (GitHub's schema, as vendored by check-jsonschema), and each only calls the project's
own commands, the ones the other tests exercise."""

import re
import shlex
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
PROJECT_COMMANDS = ("python -m pip install -e", "pytest", "dvc ", "digits ")


def validate(*paths):
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           *map(str, paths)], capture_output=True, text=True)


def steps(path):
    workflow = yaml.safe_load(path.read_text())
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def workflow(name):
    return yaml.safe_load((ROOT / ".github/workflows" / name).read_text())


def test_there_are_test_and_pr_report_workflows():
    assert [path.name for path in WORKFLOWS] == ["ci.yml", "pr-comment.yml", "pr-report.yml"]


def test_no_workflow_uses_cml_or_another_image_host():
    for path in WORKFLOWS:
        assert "cml" not in path.read_text().lower(), path.name


def test_workflows_are_valid_github_actions_workflows():
    result = validate(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  test:\n    steps:\n      - run: pytest\n")  # no runs-on
    assert validate(broken).returncode != 0


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_workflows_only_call_project_commands_with_full_history(path):
    for step in steps(path):
        if "run" in step:
            assert step["run"].startswith(PROJECT_COMMANDS), step["run"]
            assert "\n" not in step["run"].strip(), "logic belongs in the project's commands"
        if step.get("uses", "").startswith("actions/checkout"):
            assert step["with"]["fetch-depth"] == 0


def test_ci_runs_the_readmes_install_and_test_commands():
    quickstart = re.search(r"## Quickstart\n\n```\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    readme = [line for line in quickstart.splitlines() if shlex.split(line)[0] in ("python", "pytest")]
    assert [step["run"] for step in steps(ROOT / ".github/workflows/ci.yml") if "run" in step] == readme


def test_pr_report_runs_the_prs_code_read_only_and_uploads_the_report():
    report = workflow("pr-report.yml")
    assert report[True] == {"pull_request": None}  # YAML reads the key `on` as true
    assert report["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in report["jobs"].values())
    runs = [step.get("run") or step["uses"] for step in steps(ROOT / ".github/workflows/pr-report.yml")]
    assert runs[-3:] == ["dvc repro",
                         'digits pr-report --base "origin/${{ github.base_ref }}" --out pr-report '
                         "--pull-request ${{ github.event.pull_request.number }}",
                         "actions/upload-artifact@v4"]


def test_pr_comment_posts_from_the_base_repository_with_the_artifact_only():
    comment, report = workflow("pr-comment.yml"), workflow("pr-report.yml")
    trigger = comment[True]["workflow_run"]
    assert trigger == {"workflows": [report["name"]], "types": ["completed"]}
    assert comment["permissions"] == {}
    (job,) = comment["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert "conclusion == 'success'" in job["if"] and "event == 'pull_request'" in job["if"]
    # Never the PR's code: the checkout takes the default branch, the artifact is only read.
    checkout = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout"))
    assert "ref" not in checkout.get("with", {}) and "repository" not in checkout.get("with", {})
    download = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/download-artifact"))
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    assert job["steps"][-1]["run"] == "digits pr-comment pr-report --head-sha ${{ github.event.workflow_run.head_sha }}"
