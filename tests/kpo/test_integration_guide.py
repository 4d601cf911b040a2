"""The integration guide (docs/integration.md), executed: its ```sh blocks run in
order, as one bash session, against a live server loaded with the demo data set,
and every `curl` answer must be the one the guide prints after it.

How a command is checked:
- The script is the guide itself with everything outside the ```sh blocks
  blanked, so a line of the script is the same line of the guide; its first line
  sources a prelude that defines `curl` and `python` as shell functions.
- `curl` calls the real curl with --dump-header and tees the body, recording
  both, its arguments and the line it was called from (BASH_LINENO) in a
  directory of its own (calls made in `$(...)` run in subshells, so nothing is
  kept in shell variables).
- `python manage.py ...` runs the project's manage.py with this interpreter
  against the test database, recording its line and exit status.
- Each `curl` of the guide must be followed by a `# → STATUS (Header: value)
  BODY` comment (the guide's "The examples" section describes the notation);
  every recorded call made from its lines must match it. The guide must not hold
  a curl command outside a ```sh block, nor one that did not run.

The live server runs in a thread of this process (pytest-django's live_server,
so transactional_db with a serialized rollback, as the browser tests do), and a
real Celery worker scores the match run the walkthrough starts.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from engagements.models import Engagement, EngagementStatus, Requirement
from kpo.models import ApiToken
from tests.harness.services import database_url
from vendors.models import Vendor

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "integration.md"
DEMO_VENDORS = 300  # what `make demo` seeds: the guide says its examples run against it
SCRIPT_TIMEOUT_SECONDS = 180

ELLIPSIS = "…"
ARROW = "→"
CURL_CALL = re.compile(r"(?<![\w./-])curl\s")
# A curl command anywhere in the guide, prose and other code blocks included.
CURL_ANYWHERE = re.compile(r"(?<![\w./-])curl\s+(?:-|\"|'|\$|https?:)")
MANAGE_PY_CALL = re.compile(r"(?<![\w./-])python\s+manage\.py\s")


# -- the notation of the expected answers ------------------------------------------------------


class _Any:
    def __repr__(self) -> str:
        return ELLIPSIS


ANY = _Any()


class Glob(str):
    """A string with `…` in it: any text in its place."""

    def matches(self, value: str) -> bool:
        pattern = ".*".join(re.escape(part) for part in self.split(ELLIPSIS))
        return re.fullmatch(pattern, value, re.S) is not None


@dataclass
class Obj:
    members: dict
    more: bool  # a last `…`: other keys may follow


@dataclass
class Arr:
    items: list
    more: bool  # a last `…`: more items may follow


class TemplateError(ValueError):
    pass


class _TemplateParser:
    """JSON, plus `…` for any value, a glob in strings and "more" as the last
    member of an object or item of a list."""

    LITERAL = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")

    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def parse(self):
        value = self.value()
        self.skip()
        if self.pos != len(self.text):
            raise TemplateError(f"unexpected {self.text[self.pos :]!r} after the body")
        return value

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        if self.pos >= len(self.text):
            raise TemplateError("the body ends too early")
        return self.text[self.pos]

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise TemplateError(f"expected {char!r} at {self.text[self.pos :]!r}")
        self.pos += 1

    def value(self):
        char = self.peek()
        if char == ELLIPSIS:
            self.pos += 1
            return ANY
        if char == "{":
            return self.obj()
        if char == "[":
            return self.arr()
        if char == '"':
            return self.string()
        match = self.LITERAL.match(self.text, self.pos)
        if not match:
            raise TemplateError(f"cannot read a value at {self.text[self.pos :]!r}")
        self.pos = match.end()
        return json.loads(match.group())

    def string(self):
        value, self.pos = json.decoder.scanstring(self.text, self.pos + 1)
        return Glob(value) if ELLIPSIS in value else value

    def obj(self) -> Obj:
        self.expect("{")
        members: dict = {}
        more = False
        while self.peek() != "}":
            if self.peek() == ELLIPSIS:
                self.pos += 1
                more = True
                break
            key = self.string()
            self.expect(":")
            members[key] = self.value()
            if self.peek() == ",":
                self.pos += 1
        self.expect("}")
        return Obj(members, more)

    def arr(self) -> Arr:
        self.expect("[")
        items: list = []
        more = False
        while self.peek() != "]":
            if self.peek() == ELLIPSIS and self._ellipsis_is_last():
                self.pos += 1
                more = True
                break
            items.append(self.value())
            if self.peek() == ",":
                self.pos += 1
        self.expect("]")
        return Arr(items, more)

    def _ellipsis_is_last(self) -> bool:
        rest = self.text[self.pos + 1 :].lstrip()
        return rest.startswith("]")


def parse_template(text: str):
    return _TemplateParser(text).parse()


def mismatch(template, value, path: str = "body") -> str | None:
    """Why `value` does not match `template`, or None when it does."""
    if template is ANY:
        return None
    if isinstance(template, Glob):
        if isinstance(value, str) and template.matches(value):
            return None
        return f"{path}: {value!r} does not match {str(template)!r}"
    if isinstance(template, Obj):
        if not isinstance(value, dict):
            return f"{path}: expected an object, got {value!r}"
        missing = [key for key in template.members if key not in value]
        if missing:
            return f"{path}: missing {missing} (has {sorted(value)})"
        extra = sorted(set(value) - set(template.members))
        if extra and not template.more:
            return f"{path}: unexpected {extra} (end the object with … to allow more)"
        for key, expected in template.members.items():
            problem = mismatch(expected, value[key], f"{path}.{key}")
            if problem:
                return problem
        return None
    if isinstance(template, Arr):
        if not isinstance(value, list):
            return f"{path}: expected a list, got {value!r}"
        if len(value) < len(template.items) or (len(value) > len(template.items) and not template.more):
            return f"{path}: {len(value)} items, the guide shows {len(template.items)}{' or more' * template.more}"
        for index, expected in enumerate(template.items):
            problem = mismatch(expected, value[index], f"{path}[{index}]")
            if problem:
                return problem
        return None
    if type(value) is not type(template) or value != template:
        return f"{path}: {value!r}, the guide shows {template!r}"
    return None


# -- reading the guide -----------------------------------------------------------------------------


@dataclass
class Expectation:
    status: int
    headers: dict[str, Glob | str] = field(default_factory=dict)
    body: object = None  # a template, or None: not checked
    text: str = ""


@dataclass
class Command:
    kind: str  # "curl" or "manage.py"
    first_line: int  # 1-based lines of the guide
    last_line: int
    expectation: Expectation | None = None

    def covers(self, line: int) -> bool:
        return self.first_line <= line <= self.last_line


def sh_block_lines(lines: list[str]) -> set[int]:
    """1-based numbers of the lines inside ```sh blocks (fences excluded)."""
    inside: set[int] = set()
    in_block = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not in_block and stripped == "```sh":
            in_block = True
        elif in_block and stripped == "```":
            in_block = False
        elif in_block:
            inside.add(number)
    assert not in_block, "a ```sh block of the guide is not closed"
    return inside


def code_part(line: str) -> str:
    """The line without its comment (a # at the start or after a space)."""
    if line.lstrip().startswith("#"):
        return ""
    match = re.search(r"\s#(?:\s|$)", line)
    return line[: match.start()] if match else line


def parse_expectation(lines: list[str], number: int) -> Expectation:
    """The `# → ...` annotation on line `number`, continued on the comment lines
    after it while its brackets are open."""
    text = lines[number - 1].split(ARROW, 1)[1]
    match = re.match(r"\s*(\d{3})", text)
    if not match:
        raise TemplateError(f"line {number}: {ARROW} must be followed by a status code")
    expectation = Expectation(status=int(match.group(1)))
    rest = text[match.end() :]
    while True:
        header = re.match(r"\s*\(([A-Za-z0-9-]+):\s*([^)]*)\)", rest)
        if not header:
            break
        value = header.group(2).strip()
        expectation.headers[header.group(1).lower()] = Glob(value) if ELLIPSIS in value else value
        rest = rest[header.end() :]
    body = rest.strip()
    following = number
    while body and _open_brackets(body) > 0:
        following += 1
        continuation = lines[following - 1].strip() if following <= len(lines) else ""
        if not continuation.startswith("#"):
            raise TemplateError(f"line {number}: the body is not closed by line {following}")
        body += " " + continuation.lstrip("#").strip()
    if body:
        try:
            expectation.body = parse_template(body)
        except TemplateError as error:
            raise TemplateError(f"line {number}: {error}") from None
    expectation.text = " ".join(
        [str(expectation.status), *(f"({name}: {value})" for name, value in expectation.headers.items()), body]
    ).strip()
    return expectation


def _open_brackets(text: str) -> int:
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
    return depth


def guide_commands(lines: list[str]) -> list[Command]:
    """Every curl and manage.py command of the ```sh blocks, with the lines it
    spans up to its annotation (curl) or its end (manage.py)."""
    inside = sh_block_lines(lines)
    commands: list[Command] = []
    open_curl: Command | None = None
    for number in sorted(inside):
        line = lines[number - 1]
        code = code_part(line)
        calls = len(CURL_CALL.findall(code))
        assert calls <= 1, f"docs/integration.md:{number}: one curl command per line, please"
        if calls:
            assert open_curl is None, (
                f"docs/integration.md:{open_curl.first_line}: this curl has no `# {ARROW} STATUS` line before "
                f"the next curl on line {number}"
            )
            open_curl = Command("curl", number, number)
            commands.append(open_curl)
        if MANAGE_PY_CALL.search(code):
            commands.append(Command("manage.py", number, number))
        if ARROW in line and "#" in line.split(ARROW, 1)[0]:
            assert open_curl is not None, f"docs/integration.md:{number}: an answer without a curl before it"
            open_curl.last_line = number
            open_curl.expectation = parse_expectation(lines, number)
            open_curl = None
    assert open_curl is None, f"docs/integration.md:{open_curl.first_line}: this curl has no `# {ARROW} STATUS` line"
    return commands


def curl_lines_anywhere(lines: list[str]) -> list[int]:
    """Lines of the guide that hold a curl command, in prose and in any block."""
    return [number for number, line in enumerate(lines, start=1) if CURL_ANYWHERE.search(code_part(line))]


def guide_script(lines: list[str], prelude: Path) -> str:
    """The guide as a bash script: the ```sh blocks at their own line numbers."""
    inside = sh_block_lines(lines)
    assert 1 not in inside
    script = [f'source "{prelude}"'] + ["" for _ in lines[1:]]
    for number in inside:
        script[number - 1] = lines[number - 1]
    return "\n".join(script) + "\n"


PRELUDE = textwrap.dedent(
    r"""
    set -euo pipefail
    shopt -s inherit_errexit

    curl() {
      local trace
      trace=$(mktemp -d "$KPO_TRACE/curl.$(date +%s%N).XXXXXX")
      echo "${BASH_LINENO[0]}" >"$trace/line"
      printf '%s\n' "$@" >"$trace/args"
      command curl --show-error --dump-header "$trace/headers" "$@" | tee "$trace/body"
    }

    python() {
      local trace status=0
      trace=$(mktemp -d "$KPO_TRACE/python.$(date +%s%N).XXXXXX")
      echo "${BASH_LINENO[0]}" >"$trace/line"
      if [ "${1:-}" = manage.py ]; then shift; set -- "$KPO_PROJECT/manage.py" "$@"; fi
      "$KPO_PYTHON" "$@" || status=$?
      echo "$status" >"$trace/status"
      return "$status"
    }
    """
)


# -- what the run recorded ---------------------------------------------------------------------------


@dataclass
class Call:
    kind: str
    line: int
    status: int
    headers: dict[str, str]
    body: str
    args: list[str]


def _last_header_block(raw: str) -> tuple[int, dict[str, str]]:
    """The final status and headers of a --dump-header file (after any 100 Continue)."""
    status, headers = 0, {}
    for line in raw.splitlines():
        line = line.rstrip("\r")
        if line.startswith("HTTP/"):
            status, headers = int(line.split()[1]), {}
        elif ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return status, headers


def _strip_included_headers(body: str) -> str:
    """With -i (or -I) the headers are in the output too: drop them."""
    while body.startswith("HTTP/"):
        _, _, body = body.replace("\r\n", "\n").partition("\n\n")
    return body


def recorded_calls(trace: Path) -> list[Call]:
    calls = []
    # Directories are named kind.<nanoseconds>.<random>: in the order the calls started.
    for directory in sorted(trace.iterdir(), key=lambda path: int(path.name.split(".")[1])):
        kind = "curl" if directory.name.startswith("curl.") else "manage.py"
        line = int((directory / "line").read_text())
        if kind == "curl":
            args = (directory / "args").read_text().splitlines()
            headers_file = directory / "headers"
            status, headers = _last_header_block(headers_file.read_text() if headers_file.exists() else "")
            body = (directory / "body").read_text(encoding="utf-8", errors="replace")
            if any(re.fullmatch(r"-[A-Za-z]*[iI][A-Za-z]*|--include|--head", arg) for arg in args):
                body = _strip_included_headers(body)
            calls.append(Call(kind, line, status, headers, body, args))
        else:
            status = int((directory / "status").read_text()) if (directory / "status").exists() else -1
            calls.append(Call(kind, line, status, {}, "", []))
    return calls


def answer_problem(expectation: Expectation, call: Call) -> str | None:
    if call.status != expectation.status:
        return f"status {call.status}, the guide shows {expectation.status}"
    for name, expected in expectation.headers.items():
        actual = call.headers.get(name)
        if actual is None:
            return f"no {name} header (has {sorted(call.headers)})"
        if not (expected.matches(actual) if isinstance(expected, Glob) else actual == expected):
            return f"header {name}: {actual!r}, the guide shows {expected!r}"
    if expectation.body is not None:
        try:
            body = json.loads(call.body)
        except ValueError:
            return f"the body is not JSON: {call.body[:300]!r}"
        return mismatch(expectation.body, body)
    return None


# -- the notation, checked on its own -------------------------------------------------------------


def test_the_notation_matches_values_the_way_the_guide_describes_it():
    template = parse_template('{"token": "kpo_…", "id": …, "results": [{"id": 1, …}, …], "next": null}')
    assert mismatch(template, {"token": "kpo_abc", "id": 7, "results": [{"id": 1, "x": 2}], "next": None}) is None
    assert mismatch(template, {"token": "kpo_abc", "id": 7, "results": [{"id": 1}, {"id": 2}], "next": None}) is None
    assert "does not match" in mismatch(template, {"token": "key", "id": 7, "results": [{"id": 1}], "next": None})
    assert "missing" in mismatch(template, {"token": "kpo_", "id": 7, "results": [{"id": 1}]})
    assert "0 items" in mismatch(template, {"token": "kpo_", "id": 7, "results": [], "next": None})
    exact = parse_template('{"detail": "Not found."}')
    assert "unexpected" in mismatch(exact, {"detail": "Not found.", "code": "x"})
    assert "1 items" in mismatch(parse_template('[{"a": 1}, {"a": 2}]'), [{"a": 1}])
    assert mismatch(parse_template("[…]"), []) is None
    assert mismatch(parse_template('{"n": 1}'), {"n": True}) is not None  # 1 is not true
    assert mismatch(parse_template('{"n": "…Z"}'), {"n": None}) is not None


def test_every_curl_of_the_guide_is_in_a_sh_block_with_the_answer_it_gets():
    lines = GUIDE.read_text().splitlines()
    curls = [command for command in guide_commands(lines) if command.kind == "curl"]
    assert all(command.expectation is not None for command in curls)
    # A curl in prose or in another kind of block would never run.
    assert curl_lines_anywhere(lines) == [command.first_line for command in curls]


# -- the walkthrough, against a live server ---------------------------------------------------------


@pytest.fixture
def demo_server(transactional_db, django_db_serialized_rollback, live_server, celery_worker):
    """The `make demo` data set, committed for the live server and the worker."""
    call_command("seed_demo", vendors=DEMO_VENDORS, no_progress=True, verbosity=0)
    return live_server


def test_every_example_of_the_guide_runs_and_gets_the_answer_it_shows(demo_server, tmp_path):
    lines = GUIDE.read_text().splitlines()
    commands = guide_commands(lines)
    curls = [command for command in commands if command.kind == "curl"]
    anywhere = curl_lines_anywhere(lines)

    inactive_before = set(Vendor.objects.filter(is_active=False).values_list("pk", flat=True))
    prelude = tmp_path / "prelude.sh"
    prelude.write_text(PRELUDE)
    script = tmp_path / "guide.sh"
    script.write_text(guide_script(lines, prelude))
    trace = tmp_path / "trace"
    trace.mkdir()
    workdir = tmp_path / "work"
    workdir.mkdir()
    env = {
        **os.environ,
        "KPO_URL": demo_server.url,
        "KPO_TRACE": str(trace),
        "KPO_PYTHON": sys.executable,
        "KPO_PROJECT": str(ROOT),
        "DATABASE_URL": database_url(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "kpo.settings_test",
    }
    result = subprocess.run(
        ["bash", str(script)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_SECONDS,
        check=False,
    )
    calls = recorded_calls(trace)
    recent = "\n".join(f"  docs/integration.md:{call.line}: {call.kind} -> {call.status}" for call in calls[-5:])
    assert result.returncode == 0, (
        f"the guide's examples stopped (exit {result.returncode}); the last calls:\n{recent}\n"
        f"stderr:\n{result.stderr[-3000:]}"
    )

    problems = []
    for command in commands:
        mine = [call for call in calls if call.kind == command.kind and command.covers(call.line)]
        where = f"docs/integration.md:{command.first_line}"
        if not mine:
            problems.append(f"{where}: this {command.kind} command did not run")
            continue
        for call in mine:
            if command.kind == "manage.py":
                if call.status != 0:
                    problems.append(f"{where}: exit status {call.status}")
                continue
            problem = answer_problem(command.expectation, call)
            if problem:
                problems.append(
                    f"{where}: {problem}\n    guide: {command.expectation.text}\n    got: {call.body[:500]}"
                )
    stray = [call for call in calls if not any(c.kind == call.kind and c.covers(call.line) for c in commands)]
    problems += [f"docs/integration.md:{call.line}: a {call.kind} call the guide does not show" for call in stray]
    assert not problems, "\n".join(problems)
    # Every curl command the guide holds ran (an example added outside a ```sh block counts too).
    executed = {c.first_line for c in curls if any(call.kind == "curl" and c.covers(call.line) for call in calls)}
    assert len(executed) == len(anywhere)

    # What the guide says about the writes, checked in the database.
    requirement = Requirement.objects.get(external_id="PO-4711")  # the replay created no second one
    assert requirement.estimated_hours == 1400
    assert requirement.fte_needed == Decimal("3.0")  # the 412 wrote nothing
    assert not Requirement.objects.filter(title__in=["Payroll", "Another need", "Scratch need"]).exists()
    engagement = Engagement.objects.select_related("vendor").get(external_id="SAP-4711")
    assert (engagement.status, engagement.vendor.slug) == (EngagementStatus.COMPLETED, "lumen-insight-partners")
    assert engagement.requirement_id == requirement.pk
    assert set(ApiToken.objects.filter(user__username="manager").values_list("name", flat=True)) == {
        "SAP Ariba sync"
    }  # "nightly export" and "one-off job" were revoked
    assert not Vendor.objects.filter(slug="new-firm").exists()  # the invalid file imported nothing
    assert set(Vendor.objects.filter(is_active=False).values_list("pk", flat=True)) == inactive_before
    assert (workdir / "vendors.csv").read_text().startswith("slug,name,")
