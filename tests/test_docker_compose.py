"""docker-compose.yml, checked without a Docker engine: structure, secrets, mounts, ports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"

AIRFLOW_SERVICES = {
    "airflow-init": None,
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}
BUILT_SERVICES = {*AIRFLOW_SERVICES, "streamlit", "api"}
REQUIRED_SERVICES = {"postgres", "redis", *BUILT_SERVICES}
LONG_RUNNING = REQUIRED_SERVICES - {"airflow-init"}

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}; $$ is a literal $.
REFERENCE = re.compile(
    r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
)
SECRET_KEY = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|_KEY$|_AUTH$", re.IGNORECASE)
URL_CREDENTIALS = re.compile(r"://(?P<user>[^:/@\s]*):(?P<password>[^@\s]+)@")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def with_defaults(text: str) -> str:
    """Interpolate as compose would with no variables set: defaults in, the rest empty."""
    return REFERENCE.sub(lambda m: m["arg"] if m["op"] in (":-", "-") else "", text)


def only_references(text: str) -> bool:
    return REFERENCE.fullmatch(text.strip()) is not None


def walk_strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from walk_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_strings(value)
    elif isinstance(node, str):
        yield node


def test_uses_the_compose_spec_without_a_version_key(compose):
    assert "version" not in compose


def test_every_required_service_is_defined(services):
    assert set(services) >= REQUIRED_SERVICES


@pytest.mark.parametrize("name", sorted(REQUIRED_SERVICES))
def test_each_service_has_an_image_or_a_build(services, name):
    assert services[name].get("image") or services[name].get("build")


@pytest.mark.parametrize("name", sorted(BUILT_SERVICES))
def test_airflow_and_dashboard_are_built_from_the_repo_dockerfile(services, name):
    build = services[name]["build"]
    assert (ROOT / build["context"] / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE


@pytest.mark.parametrize("name", sorted(BUILT_SERVICES))
def test_each_built_service_has_a_command(services, name):
    assert services[name].get("command")


@pytest.mark.parametrize("name, subcommand", [(n, s) for n, s in AIRFLOW_SERVICES.items() if s])
def test_airflow_services_run_their_airflow_3_command(services, name, subcommand):
    assert " ".join(services[name]["command"]) == f"airflow {subcommand}"


def test_airflow_init_prepares_as_the_local_deployment_does_and_creates_the_admin(services):
    script = " ".join(services["airflow-init"]["command"])
    assert "midtier airflow prepare" in script
    assert "airflow users create" in script and "--role Admin" in script
    assert environment(services["airflow-init"])["AIRFLOW_ADMIN_PASSWORD"].startswith(
        "${AIRFLOW_ADMIN_PASSWORD:?"
    )


def test_streamlit_serves_the_dashboard_on_all_container_interfaces(services):
    command = services["streamlit"]["command"]
    assert command[:3] == ["streamlit", "run", "dashboards/app.py"]
    assert command[command.index("--server.address") + 1] == "0.0.0.0"


@pytest.mark.parametrize("name", sorted(AIRFLOW_SERVICES))
def test_airflow_services_share_the_celery_configuration(services, name):
    env = environment(services[name])
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    assert env["MIDTIER_HOME"] == "/opt/midtier/state"
    assert int(with_defaults(env["AIRFLOW__CORE__PARALLELISM"])) <= 8
    for key in (
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CELERY__BROKER_URL",
        "AIRFLOW__CELERY__RESULT_BACKEND",
        "DATABASE_URL",
    ):
        assert REFERENCE.search(env[key]), f"{name}: {key} is not built from variables"


@pytest.mark.parametrize("name", sorted(AIRFLOW_SERVICES))
def test_dbt_connects_through_an_airflow_connection_built_from_variables(services, name):
    connection = environment(services[name])["AIRFLOW_CONN_MIDTIER_POSTGRES"]
    assert REFERENCE.search(connection)
    parsed = json.loads(with_defaults(connection))
    assert (parsed["conn_type"], parsed["host"], parsed["schema"]) == (
        "postgres",
        "postgres",
        "midtier",
    )
    assert only_references(connection[connection.index('"password"') :].split('"')[3])


@pytest.mark.parametrize("name", ["streamlit", "api"])
def test_the_dashboard_and_api_get_no_airflow_secrets(services, name):
    env = environment(services[name])
    assert "DATABASE_URL" in env
    assert not [key for key in env if key.startswith("AIRFLOW__")]


def test_the_api_serves_on_all_container_interfaces(services):
    command = services["api"]["command"]
    assert command[:4] == ["python", "-m", "midtier", "api"]
    assert command[command.index("--host") + 1] == "0.0.0.0"


def test_no_literal_secret_anywhere(compose):
    for name, service in compose["services"].items():
        for key, value in environment(service).items():
            if SECRET_KEY.search(key):
                assert only_references(value), f"{name}: {key} holds a literal value"
    for text in walk_strings(compose):
        for match in URL_CREDENTIALS.finditer(text):
            assert only_references(match["password"]), f"literal password in {text!r}"


def test_every_bind_mounted_host_path_exists(services):
    mounts = []
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            if source.startswith((".", "/", "~")):
                mounts.append((name, source))
    assert mounts
    missing = [(name, source) for name, source in mounts if not (ROOT / source).exists()]
    assert not missing


@pytest.mark.parametrize("name", ["airflow-apiserver", "streamlit", "api"])
def test_published_ports_bind_to_localhost_by_default(services, name):
    ports = services[name]["ports"]
    assert ports
    for port in ports:
        parts = with_defaults(str(port)).split(":")
        assert len(parts) == 3, f"{port!r} publishes on every interface"
        host_ip, published, target = parts
        assert host_ip == "127.0.0.1" and published == target


def test_only_the_ui_and_dashboard_are_published(services):
    assert {name for name, service in services.items() if service.get("ports")} == {
        "airflow-apiserver",
        "streamlit",
        "api",
    }


@pytest.mark.parametrize("name", sorted(LONG_RUNNING))
def test_long_running_services_have_healthchecks(services, name):
    assert services[name]["healthcheck"]["test"]


def test_dependencies_wait_for_health_or_completion(services):
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on without conditions"
        for dependency, rule in depends_on.items():
            assert dependency in services
            expected = (
                "service_completed_successfully"
                if dependency == "airflow-init"
                else "service_healthy"
            )
            assert rule["condition"] == expected, f"{name} -> {dependency}"
    for name in AIRFLOW_SERVICES.keys() - {"airflow-init"}:
        assert services[name]["depends_on"]["airflow-init"]
    assert set(services["airflow-init"]["depends_on"]) == {"postgres", "redis"}


def test_postgres_keeps_its_data_in_a_named_volume(compose, services):
    volume = next(
        v for v in services["postgres"]["volumes"] if v.endswith("/var/lib/postgresql/data")
    )
    assert volume.split(":")[0] in compose["volumes"]
    assert services["postgres"]["image"].startswith("postgres:17")


def test_env_example_documents_every_variable(compose):
    referenced = {m["name"] for text in walk_strings(compose) for m in REFERENCE.finditer(text)}
    documented = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert referenced - documented == set()
    assert documented - referenced == set()


def test_dockerfile_extends_the_pinned_airflow_image():
    lines = DOCKERFILE.read_text().splitlines()
    pin = re.search(
        r"^apache-airflow(?:\[[a-z,]+\])?==(\S+)$",
        (ROOT / "requirements.txt").read_text(),
        re.MULTILINE,
    )
    assert f"FROM apache/airflow:{pin[1]}-python3.11" in lines
    assert any("pip install" in line and "requirements.txt" in line for line in lines)
    assert any("pip install" in line and "-e ." in line for line in lines)


def test_compose_file_matches_the_compose_spec():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
