"""TypeScript types generated from our OpenAPI schema (openapi-typescript 7) accept what the
integration guide sends and describe what the API answers, under `tsc --strict`.

The guide's ```ts block compiles as it is, and the request body is the guide's own (the `requirement.json` of docs/integration.md, section
"Idempotency"), so the guide cannot drift from the types. The program also sends the
Idempotency-Key header, reads `Idempotent-Replayed`, the 422 and the typed answers (a match run,
its results' nullable money, the why-not answer, a paged list) the way an integrator's code
would: it compiles only if the schema declares all of them, with the types the server sends.
Both tools are pinned in package.json and installed by `make install-dev` (npm ci).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from django.conf import settings

from kpo.api.contract import served_schema
from tests.kpo.test_integration_guide import GUIDE

BIN = Path(settings.BASE_DIR) / "node_modules" / ".bin"
TIMEOUT_SECONDS = 180

PROGRAM = """\
import type { components, paths } from "./api";

type Create = paths["/api/v1/requirements/"]["post"];
type Need = components["schemas"]["RequirementRequest"];

// The guide's body, as a typed value (excess or missing properties fail to compile).
export const need: Need = NEED;

export const headers: NonNullable<Create["parameters"]["header"]> = { "Idempotency-Key": "po-4711" };

export function created(answer: Create["responses"][201]["content"]["application/json"]): string {
  return `${answer.id} ${answer.title} ${answer.status} ${answer.change_seq}`;
}

export function replayed(header: NonNullable<Create["responses"][201]["headers"]["Idempotent-Replayed"]>): boolean {
  return header === "true";
}

export function refused(answer: Create["responses"][422]["content"]["application/json"]): string {
  return answer.detail;
}

export function savings(run: components["schemas"]["MatchRun"]): string[] {
  // status and finished_at are always sent: no `undefined` to guard.
  const state: string = run.status;
  const finished: string | null = run.finished_at;
  return run.results.map(
    (result) => `${state} ${finished} ${result.rank} ${result.estimated_savings?.amount ?? "none"}`,
  );
}

export function whyNot(answer: components["schemas"]["MatchWhyNot"]): string {
  return `${answer.status} ${answer.reason ?? ""} ${answer.explanation?.components.cost ?? ""}`;
}

export function nextPage(
  page: paths["/api/v1/vendors/"]["get"]["responses"][200]["content"]["application/json"],
): string | null {
  return page.next ?? null;
}
"""


def guide_requirement() -> dict:
    text = GUIDE.read_text(encoding="utf-8")
    body = re.search(r"cat >requirement\.json <<'JSON'\n(.*?)\nJSON\n", text, re.DOTALL)
    assert body, "docs/integration.md no longer writes requirement.json"
    return json.loads(body.group(1))


def guide_typescript() -> str:
    """The guide's ```ts block (section "With generated TypeScript types")."""
    text = GUIDE.read_text(encoding="utf-8")
    block = re.search(r"\n```ts\n(.*?)\n```\n", text, re.DOTALL)
    assert block, "docs/integration.md has no ```ts block"
    return block.group(1) + "\n"


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)


def test_the_guide_and_typed_answers_compile_against_the_generated_types(tmp_path, db):
    (tmp_path / "schema.json").write_text(json.dumps(served_schema()), encoding="utf-8")
    generated = run([str(BIN / "openapi-typescript"), "schema.json", "--output", "api.d.ts"], tmp_path)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    (tmp_path / "kpo-match.d.ts").write_text((tmp_path / "api.d.ts").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "flow.ts").write_text(
        PROGRAM.replace("NEED", json.dumps(guide_requirement(), indent=2)), encoding="utf-8"
    )
    (tmp_path / "guide.ts").write_text("export {};\n" + guide_typescript(), encoding="utf-8")

    compiled = run(
        [str(BIN / "tsc"), "--strict", "--noEmit", "--target", "es2022", "--module", "esnext"]
        + ["--moduleResolution", "bundler", "flow.ts", "guide.ts"],
        tmp_path,
    )

    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


def test_a_body_the_schema_refuses_does_not_compile(tmp_path, db):
    """The check above can fail: an unknown property in the body is a compile error."""
    (tmp_path / "schema.json").write_text(json.dumps(served_schema()), encoding="utf-8")
    assert run([str(BIN / "openapi-typescript"), "schema.json", "--output", "api.d.ts"], tmp_path).returncode == 0
    (tmp_path / "flow.ts").write_text(
        PROGRAM.replace("NEED", json.dumps({**guide_requirement(), "budget_hourly_rat": "45.00"})), encoding="utf-8"
    )

    compiled = run(
        [str(BIN / "tsc"), "--strict", "--noEmit", "--target", "es2022", "--module", "esnext"]
        + ["--moduleResolution", "bundler", "flow.ts"],
        tmp_path,
    )

    assert compiled.returncode != 0
    assert "budget_hourly_rat" in compiled.stdout
