"""The container setup (Dockerfile, .dockerignore, docker-compose.yml) matches the project.

No Docker engine is needed: the files are parsed, and every command they run is
resolved against the code (management commands, the Celery app and queues, the
WSGI target, CLI flags). No database access.
"""

from __future__ import annotations

import fnmatch
import importlib
import json
import os
import re
import runpy
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from celery import Celery
from celery.bin.base import CLIContext
from celery.bin.celery import celery as celery_cli
from django.conf import settings
from django.core.management import get_commands, load_command_class
from gunicorn.config import Config as GunicornConfig

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

APP_SERVICES = ["migrate", "web", "worker", "beat"]
REQUIRED_SERVICES = ["postgres", "redis", *APP_SERVICES]
IMAGE = "kpo-match:latest"
APP_ENV_NAMES = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "API_NUM_PROXIES",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
}
GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"
# ${NAME}, ${NAME:-default} / ${NAME-default}, ${NAME:?message} / ${NAME?message}
_INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
# A value for each variable compose requires (`:?`), as a deployment's .env would give.
REQUIRED_FROM_DOT_ENV = {"SECRET_KEY": "k" + "3Xq9-vT7pLw2Rz8sYb4NcMd6FhJ0uEaG1oKiQyWx5" * 2}


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _argv(command: str | list[str]) -> list[str]:
    """A compose/Dockerfile command as argv; `$$` is compose's escape for a literal `$`."""
    argv = shlex.split(command) if isinstance(command, str) else [str(part) for part in command]
    return [part.replace("$$", "$") for part in argv]


def _healthcheck_argv(healthcheck: dict) -> list[str]:
    test = healthcheck["test"]
    if isinstance(test, str):
        return shlex.split(test)
    kind, *rest = test
    if kind == "CMD-SHELL":
        assert len(rest) == 1, test
        return _argv(rest[0])
    assert kind == "CMD", f"unexpected healthcheck form {kind!r}"
    return _argv(rest)


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        keyword, _, args = pending.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        pending = ""
    assert not pending, "Dockerfile ends inside a continued line"
    return instructions


def _dockerfile(keyword: str) -> list[str]:
    return [args for kw, args in _dockerfile_instructions() if kw == keyword]


def _exec_form(args: str) -> list[str]:
    """The JSON array of an exec-form CMD/HEALTHCHECK CMD (Docker parses it as JSON)."""
    assert args.startswith("["), f"expected exec form, got {args!r}"
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(part, str) for part in value)
    return value


def _dockerfile_cmd() -> list[str]:
    cmds = _dockerfile("CMD")
    assert len(cmds) == 1, cmds
    return _exec_form(cmds[0])


def _dockerfile_healthcheck_argv() -> list[str]:
    checks = _dockerfile("HEALTHCHECK")
    assert len(checks) == 1, checks
    _options, sep, command = checks[0].partition("CMD ")
    assert sep, checks[0]
    return _exec_form(command.strip())


def _all_commands(services: dict) -> list[list[str]]:
    """Every command the container setup runs: service commands, healthchecks, the image CMD."""
    commands = [_dockerfile_cmd(), _dockerfile_healthcheck_argv()]
    for service in services.values():
        if "command" in service:
            commands.append(_argv(service["command"]))
        if "healthcheck" in service:
            commands.append(_healthcheck_argv(service["healthcheck"]))
    return commands


def _celery_queues_we_use() -> set[str]:
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    return {settings.CELERY_TASK_DEFAULT_QUEUE} | routed


def _parse_celery(argv: list[str]):
    """Parse `celery -A X <sub> ...` with Celery's own click CLI, without running it."""
    assert argv[0] == "celery"
    assert argv[1] in ("-A", "--app"), argv
    app_module, subcommand, *rest = argv[2:]
    module = importlib.import_module(f"{app_module}.celery")
    app = module.app
    assert isinstance(app, Celery)
    command = celery_cli.commands[subcommand]
    parent = celery_cli.make_context("celery", [argv[1], app_module], obj=CLIContext(app, True, None, quiet=True))
    return command.make_context(subcommand, list(rest), parent=parent)


def _resolve_compose_default(value: str, dot_env: dict[str, str] | None = None) -> str:
    """The value compose gives when only `dot_env` is set: `${NAME:-default}` -> default;
    `${NAME:?message}` -> dot_env's NAME, or ValueError(message) as compose refuses to start."""

    def resolve(match: re.Match) -> str:
        name, op, arg = match.group("name", "op", "arg")
        given = (dot_env or {}).get(name)
        if given:
            return given
        if op and op.endswith("?"):
            raise ValueError(f"required variable {name} is missing a value: {arg}")
        return arg or ""

    return _INTERPOLATION.sub(resolve, value)


def _compose_environment(compose: dict, dot_env: dict[str, str] | None = None) -> dict[str, str]:
    return {
        name: _resolve_compose_default(str(value), dot_env) for name, value in compose["x-app"]["environment"].items()
    }


# --------------------------------------------------------------------------- (a) compose structure


def test_compose_defines_the_services(services):
    assert set(REQUIRED_SERVICES) <= set(services)


def test_app_services_share_one_image_definition(compose, services):
    anchor = compose["x-app"]
    assert anchor["build"] == "."
    assert anchor["image"] == IMAGE
    assert set(anchor["environment"]) == APP_ENV_NAMES
    app_services = [name for name, service in services.items() if service.get("image") == IMAGE]
    assert set(APP_SERVICES) <= set(app_services)
    for name in app_services:
        assert services[name]["build"] == ".", name
        assert services[name]["environment"] == anchor["environment"], name


def test_app_services_reach_the_compose_databases(compose, services):
    env = compose["x-app"]["environment"]
    assert env["DATABASE_URL"] == "postgres://kpo:kpo@postgres:5432/kpo"
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    pg_env = services["postgres"]["environment"]
    assert (pg_env["POSTGRES_DB"], pg_env["POSTGRES_USER"], pg_env["POSTGRES_PASSWORD"]) == ("kpo", "kpo", "kpo")


def test_backing_services_have_healthchecks_and_volumes(compose, services):
    assert services["postgres"]["image"] == "postgres:15"
    # The image's own server, with buffers sized for the directory (its entrypoint runs "postgres ...").
    assert services["postgres"]["command"] == ["postgres", "-c", "shared_buffers=${POSTGRES_SHARED_BUFFERS:-1GB}"]
    assert "pg_isready" in _healthcheck_argv(services["postgres"]["healthcheck"])[0]
    assert services["redis"]["image"] == "redis:7"
    assert _healthcheck_argv(services["redis"]["healthcheck"])[:2] == ["redis-cli", "ping"]
    assert {"pgdata", "redisdata"} <= set(compose["volumes"])
    assert any(str(v).startswith("pgdata:/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    assert any(str(v).startswith("redisdata:/data") for v in services["redis"]["volumes"])


def test_web_and_worker_have_healthchecks(services):
    web = _healthcheck_argv(services["web"]["healthcheck"])
    assert web[:2] == ["python", "-c"]
    assert "http://127.0.0.1:8000/healthz" in web[2]
    compile(web[2], "<web healthcheck>", "exec")  # the inline script is valid Python
    worker = _healthcheck_argv(services["worker"]["healthcheck"])
    assert worker[:5] == ["celery", "-A", "kpo", "inspect", "ping"]
    assert "celery@$HOSTNAME" in worker  # the worker's default node name


def test_healthz_is_routed():
    from django.urls import resolve

    assert resolve("/healthz").url_name == "healthz"


def test_startup_order(services):
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"].get("restart") == "no"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert services["web"]["ports"] == ["8000:8000"]


def test_demo_seed_is_opt_in(services):
    seed = services.get("seed")
    if seed is None:
        pytest.skip("no seed service")
    assert seed["profiles"] == ["demo"]
    assert seed["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


# --------------------------------------------------------------------------- (b) commands exist


def test_commands_are_known_programs(services):
    for argv in _all_commands(services):
        assert argv[0] in {"python", "celery", "gunicorn", "pg_isready", "postgres", "redis-cli", "redis-server"}, argv


def test_manage_py_commands_exist_and_accept_their_options(services):
    commands = get_commands()
    seen = set()
    for argv in _all_commands(services):
        if argv[:2] != ["python", "manage.py"]:
            continue
        name, *options = argv[2:]
        assert name in commands, f"manage.py {name} is not a management command"
        parser = load_command_class(commands[name], name).create_parser("manage.py", name)
        parser.parse_args(options)  # raises CommandError on an unknown option
        # argparse accepts unambiguous prefixes: require the exact spelling too.
        known = {flag for action in parser._actions for flag in action.option_strings}
        for option in options:
            if option.startswith("-"):
                assert option.split("=", 1)[0] in known, f"manage.py {name}: {option}"
        seen.add(name)
    assert "migrate" in seen


def test_celery_commands_load_our_app_and_consume_our_queues(services):
    subcommands = set()
    for argv in _all_commands(services):
        if argv[0] != "celery":
            continue
        ctx = _parse_celery(argv)  # raises click.UsageError on an unknown flag
        subcommands.add(ctx.command.name)
        if ctx.command.name == "worker":
            assert set(ctx.params["queues"]) == _celery_queues_we_use()
        if ctx.command.name == "beat":
            # Writable by the non-root user, outside the read-only code tree.
            assert ctx.params["schedule"].startswith("/tmp/")
    assert {"worker", "beat", "inspect"} <= subcommands


def test_celery_flag_check_is_not_vacuous():
    import click

    with pytest.raises(click.UsageError):
        _parse_celery(["celery", "-A", "kpo", "worker", "--no-such-flag"])


def test_beat_schedule_tasks_are_registered():
    from kpo.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_gunicorn_target_imports_and_flags_parse(services):
    gunicorn_commands = [argv for argv in _all_commands(services) if argv[0] == "gunicorn"]
    assert gunicorn_commands
    for argv in gunicorn_commands:
        args = GunicornConfig().parser().parse_args(argv[1:])
        assert (ROOT / args.config).resolve() == GUNICORN_CONFIG
        config = GunicornConfig()
        for key, value in runpy.run_path(str(GUNICORN_CONFIG)).items():
            if key in config.settings:
                config.set(key, value)  # gunicorn validates each setting as it loads the file
        module_name, _, attr = config.wsgi_app.partition(":")
        target = getattr(importlib.import_module(module_name), attr)
        assert callable(target)
        assert config.bind == ["0.0.0.0:8000"]
        assert config.workers >= 1
    assert settings.WSGI_APPLICATION == "kpo.wsgi.application"


def test_web_runs_the_image_default_command(services):
    assert _argv(services["web"]["command"]) == _dockerfile_cmd()
    assert _dockerfile_cmd() == ["gunicorn", "--config", "gunicorn.conf.py"]


# --------------------------------------------------------------------------- (c) Dockerfile


def test_dockerfile_base_image():
    froms = _dockerfile("FROM")
    assert len(froms) == 1
    assert re.fullmatch(r"python:3\.11-[\w.-]+", froms[0].split()[0]), froms[0]


def test_dockerfile_copies_only_existing_paths():
    copies = _dockerfile("COPY") + _dockerfile("ADD")
    assert copies
    for args in copies:
        parts = json.loads(args) if args.startswith("[") else shlex.split(args)
        sources = [p for p in parts if not p.startswith("--")][:-1]
        assert sources, args
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies {source!r}, which is not in the repository"


def test_dockerfile_installs_runtime_deps_and_builds_static():
    runs = _dockerfile("RUN")
    installs = [run for run in runs if "pip install" in run]
    assert installs
    for run in installs:
        assert re.search(r"pip install \.(\s|$)", run), run
        assert "[dev]" not in run
    collectstatic = [run for run in runs if "collectstatic" in run]
    assert len(collectstatic) == 1
    assert "--noinput" in collectstatic[0]
    assert "DEBUG=false" in collectstatic[0]
    assert re.search(r"SECRET_KEY=\S+", collectstatic[0])
    # The build-only key must not leak into the runtime environment.
    assert not any("SECRET_KEY" in env for env in _dockerfile("ENV"))
    assert _dockerfile("WORKDIR") == ["/app"]


def test_dockerfile_runs_as_non_root_and_exposes_8000():
    users = _dockerfile("USER")
    assert users and users[-1] not in {"root", "0"}
    assert "8000" in _dockerfile("EXPOSE")


def test_dockerfile_healthcheck_is_valid_python_on_healthz():
    argv = _dockerfile_healthcheck_argv()
    assert argv[:2] == ["python", "-c"]
    assert "http://127.0.0.1:8000/healthz" in argv[2]
    compile(argv[2], "<Dockerfile healthcheck>", "exec")


def test_dockerignore_excludes_local_state_but_not_the_app():
    patterns = [
        line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    for required in (".venv", ".git", "db.sqlite3", "staticfiles", "artifacts", ".pytest_cache", ".ruff_cache"):
        assert required in patterns, required
    assert any("__pycache__" in p for p in patterns)
    needed = ["pyproject.toml", "manage.py", "kpo", "vendors", "engagements", "static", "templates"]
    for name in needed:
        assert (ROOT / name).exists(), name
        assert not any(fnmatch.fnmatch(name, p.removeprefix("**/")) for p in patterns), f"{name} is dockerignored"


# --------------------------------------------------------------------------- (d) environment


def test_compose_env_vars_are_read_by_settings(compose):
    source = (ROOT / "kpo" / "settings.py").read_text() + GUNICORN_CONFIG.read_text()
    for name in compose["x-app"]["environment"]:
        assert re.search(rf"""["']{name}["']""", source), f"neither the settings nor gunicorn.conf.py read {name}"


def test_settings_load_with_the_compose_defaults(compose):
    """The production settings module accepts the values compose passes when nothing is overridden."""
    env = _compose_environment(compose, REQUIRED_FROM_DOT_ENV)
    env |= {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "kpo.settings", "PYTHONPATH": str(ROOT)}
    probe = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'debug': s.DEBUG, 'ssl': s.SECURE_SSL_REDIRECT, 'hosts': s.ALLOWED_HOSTS, "
        "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'engine': s.DATABASES['default']['ENGINE'], "
        "'db_host': s.DATABASES['default']['HOST'], 'manifest': s.STATICFILES_MANIFEST}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {
        "debug": False,
        "ssl": True,
        "hosts": ["localhost", "127.0.0.1"],
        "eager": False,
        "engine": "django.db.backends.postgresql",
        "db_host": "postgres",
        "manifest": True,
    }


def test_web_and_the_worker_share_the_media_volume(compose, services):
    # The web app stores proposal attachments; the worker's daily sweep deletes orphans among them.
    for name in ("web", "worker"):
        assert "media:/app/media" in services[name]["volumes"], name
    assert "media" in compose["volumes"]


def test_compose_refuses_to_start_without_a_secret_key(compose):
    """No committed default: `${SECRET_KEY:?...}` stops `docker compose up` when .env lacks it."""
    value = compose["x-app"]["environment"]["SECRET_KEY"]
    match = _INTERPOLATION.fullmatch(value)
    assert match and match.group("name") == "SECRET_KEY" and match.group("op") == ":?", value
    assert ".env" in match.group("arg")  # the message says where the key goes
    with pytest.raises(ValueError, match="SECRET_KEY"):
        _compose_environment(compose, {})
    with pytest.raises(ValueError, match="SECRET_KEY"):
        _compose_environment(compose, {"SECRET_KEY": ""})  # `:?` refuses an empty value too
    assert "SECRET_KEY=" in (ROOT / ".env.example").read_text()


def test_compose_defaults_pass_the_deploy_check_without_warnings(compose):
    """`manage.py check --deploy` with exactly the environment compose gives the app services
    (a .env with only SECRET_KEY): DEBUG off, HTTPS-only cookies and redirect, HSTS."""
    env = _compose_environment(compose, REQUIRED_FROM_DOT_ENV)
    assert env["DEBUG"] == "false"
    assert "*" not in env["ALLOWED_HOSTS"]
    env |= {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "kpo.settings", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
