"""docker compose: services, overrides, environment, dependencies, code in images and mounts."""

from __future__ import annotations

from conftest import discover, units_by_name

from archlint.discover.deploy.compose import interpolate

CODE = {
    "app/__init__.py": "",
    "app/main.py": "",
    "app/worker.py": "",
    "Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY app ./app\nCMD gunicorn app.main:app\n",
}


def test_override_merges_over_the_base_and_variants_only_add(tree):
    root = tree({
        **CODE,
        "docker-compose.yml": """\
            services:
              web:
                build: .
                environment:
                  LOG_LEVEL: info
                  DATABASE_URL: postgresql://db/app
              worker:
                build: .
              db:
                image: postgres:16
        """,
        "docker-compose.override.yml": """\
            services:
              web:
                command: uvicorn app.main:app --reload
                environment:
                  LOG_LEVEL: debug
              mailhog:
                image: mailhog/mailhog
                profiles: [dev]
        """,
        "docker-compose.prod.yml": """\
            services:
              web:
                command: gunicorn app.main:app -w 8
              worker:
                command: python -m app.worker
              proxy:
                image: nginx:1.27
        """,
    })
    units = units_by_name(discover(root))
    web = units["web"]
    assert web.processes[0].command == "uvicorn app.main:app --reload"
    assert (web.processes[0].where.path, web.processes[0].where.line) == ("docker-compose.override.yml", 3)
    assert web.environment["LOG_LEVEL"] == "debug"
    assert web.environment["DATABASE_URL"] == "postgresql://db/app"
    assert (web.where.path, web.where.line) == ("docker-compose.yml", 2)
    assert units["worker"].processes[0].module == "app.worker"  # the variant fills in what the base lacks
    assert units["mailhog"].profiles == ("dev",) and units["mailhog"].infrastructure == "mailhog"
    assert units["proxy"].infrastructure == "nginx"


def test_environment_forms_env_files_and_interpolation(tree):
    root = tree({
        **CODE,
        ".env": "TAG=1.2\nDB_PASSWORD=s3cret\n",
        "config/app.env": "# comment\nexport API_KEY='abc def'\nTIMEOUT=30  # seconds\nURL=\"http://x/${TIMEOUT}\"\n",
        "optional.env": "SHOULD_NOT=matter\n",
        "compose.yaml": """\
            services:
              api:
                build: .
                image: acme/api:${TAG}
                env_file:
                  - config/app.env
                  - path: missing.env
                    required: false
                environment:
                  - DATABASE_URL=postgresql://app:${DB_PASSWORD}@db/app
                  - FROM_HOST
                  - PRICE=$$5
                  - REGION=${REGION:-eu-west-1}
              jobs:
                build: .
                environment:
                  DEBUG: true
                  WORKERS: 4
                  EMPTY:
        """,
    })
    units = units_by_name(discover(root))
    api = units["api"]
    assert api.image == "acme/api:1.2"
    assert api.environment == {
        "API_KEY": "abc def",
        "TIMEOUT": "30",
        "URL": "http://x/30",
        "DATABASE_URL": "postgresql://app:s3cret@db/app",
        "PRICE": "$5",
        "REGION": "eu-west-1",
    }
    assert units["jobs"].environment == {"DEBUG": "true", "WORKERS": "4"}


def test_interpolation_rules():
    values = {"A": "1", "EMPTY": ""}
    assert interpolate("${A}-${B}-${B:-d}-${EMPTY:-d}-${EMPTY-d}-${A:+set}-$A-$$A", values) == "1--d-d--set-1-$A"
    assert interpolate("${B:-${A}x}", values) == "1x"


def test_dependencies_links_hosts_and_aliases(tree):
    root = tree({
        **CODE,
        "docker-compose.yml": """\
            version: "3.9"
            services:
              web:
                build: .
                depends_on:
                  db:
                    condition: service_healthy
                  cache:
                    condition: service_started
                links:
                  - "db:database"
                hostname: web-1
                networks:
                  backend:
                    aliases: [api.internal]
              db:
                image: postgres:16
                container_name: shop-db
              cache:
                image: redis:7
        """,
    })
    units = units_by_name(discover(root))
    assert units["web"].depends_on == ("cache", "db")
    assert units["web"].hosts == ("api.internal", "web", "web-1")
    assert units["db"].hosts == ("database", "db", "shop-db")


def test_extends_and_include(tree):
    root = tree({
        **CODE,
        "common.yml": "services:\n  python-app:\n    build: .\n    environment:\n      TZ: UTC\n",
        "infra/compose.yaml": "services:\n  queue:\n    image: rabbitmq:3\n",
        "docker-compose.yml": """\
            include:
              - infra/compose.yaml
            services:
              base-worker:
                extends:
                  file: common.yml
                  service: python-app
                command: python -m app.worker
              beat:
                extends: base-worker
                command: python -m app.main
        """,
    })
    units = units_by_name(discover(root))
    assert units["base-worker"].environment["TZ"] == "UTC"
    assert units["base-worker"].processes[0].module == "app.worker"
    assert units["beat"].root == "." and units["beat"].processes[0].module == "app.main"
    assert units["queue"].infrastructure == "rabbitmq"
    assert units["queue"].where.path == "infra/compose.yaml"


def test_code_mounted_into_a_runtime_image(tree):
    root = tree({
        "scripts/seed.py": "print('seed')\n",
        "docker-compose.yml": """\
            services:
              seed:
                image: python:3.12-slim
                working_dir: /work
                volumes:
                  - ./scripts:/work
                  - data:/data
                command: python seed.py
              tool:
                image: acme/legacy-billing:3.2
        """,
    })
    units = units_by_name(discover(root))
    seed = units["seed"]
    assert seed.infrastructure is None and seed.root == "scripts" and seed.code == ("scripts",)
    assert seed.processes[0].script == "scripts/seed.py"
    assert units["tool"].infrastructure == "acme/legacy-billing"


def test_version_1_format(tree):
    root = tree({**CODE, "docker-compose.yml": "web:\n  build: .\nredis:\n  image: redis\n"})
    units = units_by_name(discover(root))
    assert units["web"].root == "." and units["redis"].infrastructure == "redis"


def test_a_broken_compose_file_is_a_finding_and_the_rest_is_read(tree):
    root = tree({
        **CODE,
        "docker-compose.yml": "services:\n  web:\n    build: .\n   command: oops\n",
        "other/docker-compose.yml": "services:\n  api:\n    image: python:3\n    volumes: ['../app:/app']\n    command: python /app/main.py\n",
        "list/compose.yaml": "- just\n- a list\n",
        "Procfile": "web: gunicorn app.main:app\n",
    })
    scan = discover(root)
    findings = [(f.rule, f.path, f.line) for f in scan.findings]
    assert ("AL006", "docker-compose.yml", 4) in findings
    assert ("AL006", "list/compose.yaml", 1) in findings
    # the location names the file, so the message does not repeat it after `path:line`
    messages = {f.path: f.message for f in scan.findings}
    assert messages["docker-compose.yml"].startswith("invalid YAML"), messages
    units = units_by_name(scan)
    assert "api" in units and "Procfile" in units and "Dockerfile" in units
    assert units["api"].processes[0].script == "app/main.py"
