"""docker/ checked statically (no Docker engine here): compose, Dockerfile and nginx agree with the code."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from core.settings import Settings

DOCKER = Path(__file__).resolve().parent.parent / "docker"
# Variables read by something other than dutydesk's Settings, on purpose.
OTHER_ENV = re.compile(r"^(PREFECT_[A-Z_]+|POSTGRES_(USER|PASSWORD|DB)|PREFECT_DB_PASSWORD|DO_NOT_TRACK)$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def settings_field(name: str) -> bool:
    """True when DUTYDESK_A__B names Settings.a.b (pydantic-settings' nesting with `__`)."""
    model: type[BaseModel] = Settings
    parts = name.removeprefix("DUTYDESK_").lower().split("__")
    for i, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return False
        nested = field.annotation
        if i < len(parts) - 1:
            if not (isinstance(nested, type) and issubclass(nested, BaseModel)):
                return False
            model = nested
    return True


def command(svc: dict) -> list[str]:
    cmd = svc.get("command", [])
    return shlex.split(cmd) if isinstance(cmd, str) else list(cmd)


def role(svc: dict) -> str | None:
    """The `dutydesk serve` role of a service (DUTYDESK_ROLE, --role, default all); None when not a server."""
    cmd = command(svc)
    if cmd[:2] != ["dutydesk", "serve"]:
        return None
    if "--role" in cmd:
        return cmd[cmd.index("--role") + 1]
    return svc.get("environment", {}).get("DUTYDESK_ROLE", "all")


def substituted(value: str) -> str:
    """Compose's ${VAR:-default} / ${VAR:?error} with sample values, as an operator's run would give."""
    return re.sub(r"\$\{(\w+)(?::?[-?]([^}]*))?\}",
                  lambda m: "s3cret-" + "x" * 24 if m.group(1).endswith("SECRET_KEY") else (m.group(2) or "x"), value)


def test_settings_field_walks_nested_models():
    assert settings_field("DUTYDESK_DB__URL") and settings_field("DUTYDESK_FLOWS__MODE")
    assert not settings_field("DUTYDESK_DB__URLL") and not settings_field("DUTYDESK_DATABASE_URL")
    assert not settings_field("DUTYDESK_TIMEZONE__X")


def test_the_whole_set_is_there(services):
    webs = [n for n, s in services.items() if role(s) in ("web", "all")]
    assert len(webs) >= 2, "at least two dutydesk web instances"
    assert {"postgres", "prefect-server", "prefect-worker", "proxy", "migrate"} <= services.keys()


def test_roles_split_web_and_engine(services):
    roles = {n: role(s) for n, s in services.items() if role(s)}
    assert sorted(roles.values()) == ["engine", "web", "web"], roles
    from core.settings import Settings

    for name, r in roles.items():
        assert r in Settings.model_fields["role"].annotation.__args__, f"{name}: unknown role {r}"
    engine = next(n for n, r in roles.items() if r == "engine")
    # the engine owns the clock; with external flows it starts no Prefect server of its own
    assert services[engine]["environment"]["DUTYDESK_FLOWS__MODE"] == "external"
    assert "migrate" in services[engine]["depends_on"]


def test_every_service_has_a_sane_image_or_build(services):
    for name, svc in services.items():
        assert "image" in svc or "build" in svc, name
        if "build" in svc:
            context = (DOCKER / svc["build"]["context"]).resolve()
            assert (context / svc["build"]["dockerfile"]).is_file(), f"{name}: Dockerfile not found"
            assert (context / "pyproject.toml").is_file(), f"{name}: build context is not the repository"
        else:
            image = svc["image"]
            assert ":" in image and not image.endswith(":latest"), f"{name}: pin the image tag ({image})"


def test_environment_names_are_real_settings(services):
    for name, svc in services.items():
        for key in svc.get("environment", {}):
            if key.startswith("DUTYDESK_"):
                assert settings_field(key), f"{name}: {key} is not a field of core.settings.Settings"
            else:
                assert OTHER_ENV.match(key), f"{name}: {key} is read by nothing we know"


def test_dutydesk_services_settings_validate_in_production(services, monkeypatch):
    for name, svc in services.items():
        env = {k: substituted(str(v)) for k, v in svc.get("environment", {}).items() if k.startswith("DUTYDESK_")}
        if not env:
            continue
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        s = Settings(_env_file=None)
        assert s.environment == "production" and s.flows.mode == "external", name
        assert s.database_url.startswith("postgresql+psycopg://") and "@postgres:5432/" in s.database_url, name
        for key in env:
            monkeypatch.delenv(key)


def test_depends_on_names_exist(services):
    for name, svc in services.items():
        deps = svc.get("depends_on", [])
        for dep in deps:
            assert dep in services, f"{name} depends on unknown service {dep}"
            if isinstance(deps, dict) and deps[dep].get("condition") == "service_healthy":
                assert "healthcheck" in services[dep] or "build" in services[dep], f"{dep} has no health check"


def test_commands_are_real_cli_commands(services):
    from typer.testing import CliRunner

    from dutydesk.cli import app

    for name, svc in services.items():
        cmd = command(svc)
        if cmd[:1] == ["dutydesk"]:
            words = [w for w in cmd[1:] if not w.startswith("-")][:2]
            result = CliRunner().invoke(app, [*words[: 1 if words[0] == "serve" else 2], "--help"])
            assert result.exit_code == 0, f"{name}: `{' '.join(cmd)}` is not a dutydesk command: {result.output}"


def test_worker_polls_the_pool_the_deployments_go_to(services):
    worker, deploy = command(services["prefect-worker"]), command(services["prefect-deploy"])
    assert deploy[:3] == ["python", "-m", "flows.deploy"]
    assert worker[worker.index("--pool") + 1] == deploy[deploy.index("--pool") + 1]
    api = services["prefect-worker"]["environment"]["PREFECT_API_URL"]
    port = command(services["prefect-server"])[command(services["prefect-server"]).index("--port") + 1]
    assert api == f"http://prefect-server:{port}/api"


def test_dockerfile_is_non_root_with_a_health_check():
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\s*$", text, re.M)
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0"), "the runtime must not run as root"
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, re.M)
    assert 'CMD ["dutydesk", "serve", "--host", "0.0.0.0"' in text
    for src in re.findall(r"^COPY (?!--from)(\S+) ", text, re.M):
        assert (DOCKER.parent / src).exists(), f"COPY {src}: not in the repository"


def test_proxy_upstreams_match_web_services(services):
    conf = (DOCKER / "nginx.conf").read_text(encoding="utf-8")
    upstreams = re.findall(r"^\s*server\s+([\w-]+):(\d+)", conf, re.M)
    webs = {n for n, s in services.items() if role(s) in ("web", "all")}
    assert {host for host, _ in upstreams} == webs, "every web instance behind the proxy, nothing else (no engine)"
    for host, port in upstreams:
        cmd = command(services[host])
        assert cmd[cmd.index("--port") + 1] == port, f"{host} serves on another port than nginx expects"
    listen = re.search(r"^\s*listen\s+(\d+);", conf, re.M).group(1)
    published = [str(p).rsplit(":", 1)[-1] for p in services["proxy"]["ports"]]
    assert listen in published, "the proxy's published port must reach nginx's listen port"
    mounted = [v.split(":")[0] for v in services["proxy"]["volumes"]]
    assert "./nginx.conf" in mounted
