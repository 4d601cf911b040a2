"""A Python client generated from our OpenAPI schema works unchanged: the
integration guide's section "With a generated Python client" is executed.

- Its ```shell line (`openapi-python-client generate --url ...`) runs with bash
  against a live server loaded with the demo data set, so the client is generated
  from the schema the server serves, and must generate without warnings and with
  every module of it importable.
- Its ```python blocks run, in order, as one program (at their own line numbers
  of docs/integration.md, so a traceback points into the guide), against the same
  server, with a real Celery worker scoring the match run. What they leave behind
  (the vendors they paged through, the requirement, the run, the why-not answer)
  is then checked against the database.

So a schema change that breaks generated clients (a renamed operation or model,
a response the client cannot parse, a status the schema does not declare) fails
the build, and the guide's code cannot drift from the API.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from engagements.matching import runs
from engagements.models import MatchRun, Requirement
from kpo.models import ApiToken
from tests.kpo.test_integration_guide import GUIDE, demo_server  # noqa: F401 - the fixture, shared
from vendors.models import Vendor

SECTION = "## With a generated Python client"
PACKAGE = "kpo_match_client"
GENERATE_TIMEOUT_SECONDS = 120

# What the generator reports besides warnings about our schema.
GENERATOR_BOILERPLATE = (
    "Generating ",
    "Warning(s) encountered while generating. Client was generated, but some pieces may be missing",
    "If you believe this was a mistake or this tool is missing a feature you need",
)


# -- the section of the guide ------------------------------------------------------------------------


def section_line_numbers(lines: list[str]) -> range:
    """1-based numbers of the lines of the section, its heading to the next `## ` heading."""
    start = lines.index(SECTION) + 1
    end = next(
        (number for number in range(start + 1, len(lines) + 1) if lines[number - 1].startswith("## ")),
        len(lines) + 1,
    )
    return range(start, end)


def fenced_lines(lines: list[str], language: str) -> list[int]:
    """1-based numbers of the lines inside the section's ```<language> blocks (fences excluded)."""
    inside, in_block = [], False
    for number in section_line_numbers(lines):
        stripped = lines[number - 1].strip()
        if not in_block and stripped == f"```{language}":
            in_block = True
        elif in_block and stripped == "```":
            in_block = False
        elif in_block:
            inside.append(number)
    assert not in_block, f"a ```{language} block of {SECTION!r} is not closed"
    return inside


def python_program(lines: list[str]) -> str:
    """The section's ```python blocks as one program, each line at its line number of the guide."""
    program = ["" for _ in lines]
    for number in fenced_lines(lines, "python"):
        program[number - 1] = lines[number - 1]
    return "\n".join(program) + "\n"


def generate_command(lines: list[str]) -> str:
    [number] = fenced_lines(lines, "shell")
    command = lines[number - 1]
    assert command.startswith("openapi-python-client generate "), command
    return command


def generator_warnings(output: str) -> list[str]:
    """The generator's messages, less its boilerplate and the schema excerpts it dumps as JSON."""
    messages = [line for line in output.splitlines() if line.strip() and line[0] not in " \t{}[]"]
    return [line for line in messages if not line.startswith(GENERATOR_BOILERPLATE)]


def modules_that_do_not_import(package: str) -> list[str]:
    failures = []
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, f"{package}."):
        try:
            importlib.import_module(module.name)
        except Exception as error:  # noqa: BLE001 - any failure is reported, with its module
            failures.append(f"{module.name}: {error!r}")
    return failures


@pytest.fixture
def generated_client_path(tmp_path, monkeypatch):
    """A directory for the generated package, importable; forgotten again afterwards."""
    directory = tmp_path / "client"
    directory.mkdir()
    monkeypatch.syspath_prepend(str(directory))
    yield directory
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


# -- the section, checked on its own ------------------------------------------------------------------


def test_the_section_holds_one_generate_command_and_python_that_compiles():
    lines = GUIDE.read_text().splitlines()
    assert "--output-path kpo_match_client" in generate_command(lines)
    program = python_program(lines)
    assert "from kpo_match_client" in program
    compile(program, str(GUIDE), "exec")


def test_generator_warnings_keep_what_names_a_problem():
    output = (
        "Generating kpo_match_client\n\n"
        "Warning(s) encountered while generating. Client was generated, but some pieces may be missing\n\n"
        "WARNING parsing GET /api/v1/x/ within v1.\n\nCannot parse response\n\n"
        '{\n  "type": "object"\n}\n\n'
        "If you believe this was a mistake or this tool is missing a feature you need, please open an issue\n"
    )
    assert generator_warnings(output) == ["WARNING parsing GET /api/v1/x/ within v1.", "Cannot parse response"]


# -- against a live server ---------------------------------------------------------------------------------


def test_a_client_generated_from_the_schema_runs_the_guides_erp_flow(
    demo_server,  # noqa: F811 - the fixture imported above
    generated_client_path: Path,
    monkeypatch,
):
    lines = GUIDE.read_text().splitlines()
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", generate_command(lines)],
        cwd=generated_client_path,
        env={**os.environ, "KPO_URL": demo_server.url, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=GENERATE_TIMEOUT_SECONDS,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"the generator failed (exit {result.returncode}):\n{output[-5000:]}"
    warnings = generator_warnings(output)
    assert warnings == [], output[-5000:]
    assert (generated_client_path / PACKAGE / "api" / "v1" / "requirements_create.py").exists()
    assert modules_that_do_not_import(PACKAGE) == []

    monkeypatch.setenv("KPO_URL", demo_server.url)
    flow: dict = {"__name__": "integration_guide_generated_client"}
    # The guide's own code, run as the guide shows it (tracebacks name its lines).
    exec(compile(python_program(lines), str(GUIDE), "exec"), flow)  # noqa: S102

    # The token: created for the demo manager, under the name the code gave it.
    assert ApiToken.objects.filter(user__username="manager", name="generated client").count() == 1

    # Paging reached the end: every verified finance vendor of the directory, each once, over several pages.
    vendor_ids = flow["vendor_ids"]
    assert len(vendor_ids) == len(set(vendor_ids))
    assert len(vendor_ids) > 20  # more than one page of 20
    expected = Vendor.objects.filter(is_active=True, verified=True, domains__code="finance").values_list(
        "pk", flat=True
    )
    assert set(vendor_ids) == set(expected)
    assert vendor_ids == sorted(vendor_ids, reverse=True)  # newest first, the default order

    # One requirement, as typed; the replay answered its id and created nothing.
    requirement = Requirement.objects.get(external_id="PO-5001")
    assert flow["requirement"].id == flow["replay"].parsed.id == requirement.pk
    assert (requirement.title, requirement.estimated_hours, str(requirement.fte_needed)) == (
        "Quarterly consolidation",
        800,
        "1.5",
    )
    assert sorted(requirement.skills.values_list("code", flat=True)) == [
        "financial-reporting",
        "management-accounting",
    ]
    assert Requirement.objects.filter(title="Quarterly consolidation").count() == 1
    assert flow["first"].headers.get("Idempotent-Replayed") is None

    # The run succeeded, and the client read its ranking as the database holds it.
    run = MatchRun.objects.get(pk=flow["run"].id)
    assert (run.requirement_id, run.status) == (requirement.pk, "succeeded")
    stored = [
        (result.rank, result.vendor.slug, float(result.score))
        for result in run.results.select_related("vendor").order_by("rank")
    ]
    assert stored, "the run ranked no vendor"
    assert flow["ranking"] == stored
    assert [rank for rank, _, _ in stored] == list(range(1, len(stored) + 1))

    # Why-not for a directory vendor off the shortlist: the server's own answer, parsed.
    other = Vendor.objects.get(pk=flow["other_id"])
    assert other.pk in vendor_ids and other.pk not in {result.vendor_id for result in run.results.all()}
    answer = flow["answer"]
    assert answer == json.loads(json.dumps(runs.match_run_why_not(run=run, vendor=other)))
    assert answer["vendor"] == other.pk
    assert answer["status"] in {"excluded", "below_shortlist"}
