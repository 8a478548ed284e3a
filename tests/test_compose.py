"""compose.yaml, the course deployment: Redis, two gdviz replicas on it, a balancer without sticky
sessions, health checks everywhere, read-only file systems. (Running it needs a Docker daemon;
test_multiplex runs the same shape with real processes: two servers on one Redis.)"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from gdviz.settings import Settings

ROOT = Path(__file__).parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
REPLICAS = [name for name, service in SERVICES.items() if service.get("build")]


def balancer_config() -> str:
    (mount,) = SERVICES["balancer"]["configs"]
    assert mount["target"] == "/etc/nginx/conf.d/default.conf"
    return COMPOSE["configs"][mount["source"]]["content"].replace("$$", "$")  # compose's escape


def test_the_services_are_redis_two_gdviz_replicas_and_a_balancer():
    assert set(SERVICES) == {"redis", "balancer", *REPLICAS}
    assert len(REPLICAS) == 2
    assert re.fullmatch(r"redis:\d+(\.\d+)*-alpine", SERVICES["redis"]["image"])
    assert re.fullmatch(r"nginx:\d+(\.\d+)*-alpine", SERVICES["balancer"]["image"])
    for name in REPLICAS:
        service = SERVICES[name]
        assert service["build"] == "." and (ROOT / "Dockerfile").is_file()
        assert "ports" not in service, "replicas are reached through the balancer"
    assert SERVICES["balancer"]["ports"] == ["8000:8000"]


def test_every_replica_keeps_its_jobs_in_the_redis_service():
    assert "--port" not in SERVICES["redis"]["command"]  # Redis's own port, 6379
    for name in REPLICAS:
        service = SERVICES[name]
        url = urlsplit(service["environment"]["GDVIZ_REDIS_URL"])
        assert (url.scheme, url.hostname, url.port or 6379) == ("redis", "redis", 6379)
        assert re.fullmatch(r"/\d+", url.path), "a database number"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"


def test_the_balancer_spreads_over_every_replica_without_sticky_sessions():
    config = balancer_config()
    upstream = re.search(r"upstream (\w+) \{(.*?)\}", config, re.DOTALL)
    assert upstream, config
    servers = re.findall(r"^\s*server (\S+?):(\d+)", upstream[2], re.MULTILINE)
    assert sorted(host for host, _ in servers) == sorted(REPLICAS)
    assert {port for _, port in servers} == {"8000"}  # the image's GDVIZ_PORT
    for sticky in ("ip_hash", "hash ", "sticky", "least_conn"):
        assert sticky not in upstream[2], f"{sticky}: any replica serves any request"
    assert f"proxy_pass http://{upstream[1]};" in config
    # event streams: HTTP/1.1 to the replicas, not buffered, not cut while a room is quiet
    assert "proxy_http_version 1.1;" in config and "proxy_buffering off;" in config
    timeout = re.search(r"proxy_read_timeout (\d+)([smh]);", config)
    assert timeout and int(timeout[1]) * {"s": 1, "m": 60, "h": 3600}[timeout[2]] > 15  # > ping
    assert "client_max_body_size 6m;" in config  # an upload may be 5 MB
    depends = SERVICES["balancer"]["depends_on"]
    assert {name: d["condition"] for name, d in depends.items()} == dict.fromkeys(
        REPLICAS, "service_healthy"
    )


@pytest.mark.parametrize("name", ["redis", "balancer", "gdviz-a", "gdviz-b"])
def test_every_service_has_a_healthcheck_and_a_read_only_file_system(name):
    service = SERVICES[name]
    check = service["healthcheck"]
    assert check["test"][0] == "CMD" and check["interval"] and check["retries"] >= 1
    probe = " ".join(check["test"])
    if name == "redis":
        assert probe == "CMD redis-cli ping"
    else:
        assert "http://127.0.0.1:8000/api/health" in probe
    assert service["read_only"] is True
    assert "/tmp" in service["tmpfs"]
    assert "volumes" not in service, "nothing is kept on disk"
    assert service["restart"] == "unless-stopped"


def test_redis_writes_nothing_to_disk():
    command = SERVICES["redis"]["command"]
    assert command[:1] == ["redis-server"]
    assert command[command.index("--save") + 1] == ""
    assert command[command.index("--appendonly") + 1] == "no"
    assert "/data" in SERVICES["redis"]["tmpfs"]  # the image's working directory stays writable


def test_the_replicas_health_check_is_the_images():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "/api/health" in dockerfile and "GDVIZ_PORT=8000" in dockerfile
    for name in REPLICAS:
        assert "python" in SERVICES[name]["healthcheck"]["test"]  # the slim image has no curl


def test_the_deploy_doc_says_how_to_serve_a_course():
    readme = (ROOT / "docs" / "deploy.md").read_text()
    section = readme.split("## Serving a course", 1)[1].split("\n## ", 1)[0]
    for needed in (
        "GDVIZ_REDIS_URL",
        "gdviz serve",
        "--redis",
        "--workers",
        "docker compose up",
        "docker run",
        "sticky",
    ):
        assert needed in section, needed


def test_the_replicas_count_each_client_by_the_address_the_balancer_names():
    """The limits per address (rooms, answers) see students, not the balancer: it names the client
    it took the connection from (replacing any X-Forwarded-For the client sent), and the replicas
    trust it for that."""
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in balancer_config()
    for name in REPLICAS:
        trusted = SERVICES[name]["environment"]["GDVIZ_TRUSTED_PROXIES"]
        assert trusted and Settings(trusted_proxies=trusted).trusted_proxies == trusted
