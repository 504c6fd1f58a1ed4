"""Dockerfiles: stages, layouts, what the image runs, code copied from outside."""

from __future__ import annotations

from conftest import discover, units_by_name

from archlint.discover.deploy.dockerfile import parse_dockerfile
from archlint.model.findings import Location

APP = {
    "app/__init__.py": "",
    "app/main.py": "app = object()\n",
    "app/worker.py": "",
    "requirements.txt": "fastapi\n",
}


def test_parse_stages_instructions_and_forms():
    text = """\
# syntax=docker/dockerfile:1
ARG PY=3.12
FROM python:${PY}-slim AS base
ENV APP_HOME=/srv \\
    PYTHONUNBUFFERED=1
WORKDIR $APP_HOME
# a comment between instructions
RUN <<EOF
apt-get update
COPY not/an/instruction /x
EOF
COPY --chown=app:app app/ app/

FROM base AS test
RUN pytest

FROM base
WORKDIR sub
ENTRYPOINT ["tini", "--"]
CMD gunicorn \\
    # a comment inside a continuation
    app.main:app
"""
    dockerfile = parse_dockerfile("Dockerfile", text)
    assert [(s.name, s.base) for s in dockerfile.stages] == [("base", "python:3.12-slim"), ("test", "base"), (None, "base")]
    final = dockerfile.stage()
    assert final.root_image() == "python:3.12-slim"
    assert final.workdir == "/srv/sub"
    assert final.env == {"APP_HOME": "/srv", "PYTHONUNBUFFERED": "1"}
    assert [(c.sources, c.dest) for c in final.copies] == [(("app/",), "/srv/app/")]
    assert final.entrypoint == ["tini", "--"]
    assert final.cmd == "gunicorn app.main:app"
    assert final.cmd_line == 20
    assert dockerfile.stage("test").name == "test"


def test_escape_directive_and_legacy_env():
    dockerfile = parse_dockerfile("Dockerfile", "# escape=`\nFROM python\nENV NAME some value\nCMD python `\n  -m app\n")
    stage = dockerfile.stage()
    assert stage.env == {"NAME": "some value"}
    assert stage.cmd == "python -m app"


def test_multi_stage_build_copies_code_through_a_builder(tree):
    root = tree({
        **APP,
        "Dockerfile": """\
            FROM python:3.12 AS build
            WORKDIR /build
            COPY requirements.txt .
            COPY app ./app
            RUN pip install --prefix=/install -r requirements.txt

            FROM python:3.12-slim
            COPY --from=build /install /usr/local
            COPY --from=build /build/app /srv/app
            WORKDIR /srv
            CMD ["python", "-m", "app.worker"]
        """,
    })
    unit = units_by_name(discover(root))["Dockerfile"]
    assert unit.kind == "dockerfile" and unit.root == "." and unit.code == ("app",)
    (process,) = unit.processes
    assert (process.module, process.script) == ("app.worker", "app/worker.py")
    assert (process.where.path, process.where.line) == ("Dockerfile", 11)


def test_code_copied_from_outside_the_units_directory(tree):
    root = tree({
        "libs/common/common/__init__.py": "",
        "libs/common/common/models.py": "",
        "services/orders/orders/__init__.py": "",
        "services/orders/orders/api.py": "",
        "services/orders/Dockerfile": """\
            FROM python:3.12-slim
            WORKDIR /app
            COPY libs/common /libs/common
            RUN pip install /libs/common
            COPY services/orders/orders ./orders
            CMD uvicorn orders.api:app
        """,
        "docker-compose.yml": """\
            services:
              orders:
                build:
                  context: .
                  dockerfile: services/orders/Dockerfile
        """,
    })
    units = units_by_name(discover(root))
    for name in ("orders", "services/orders/Dockerfile"):
        unit = units[name]
        assert unit.root == "services/orders"
        assert unit.code == ("services/orders/orders",)
        # the COPY line brings it in, not the FROM line
        assert unit.copies_from == {"libs/common": Location("services/orders/Dockerfile", 3, "COPY libs/common")}
    assert units["orders"].processes[0].script == "services/orders/orders/api.py"


def test_in_repo_base_image(tree):
    def discover_with(base_dockerfile: str):
        root = tree({
            **{f"web/{k}": v for k, v in APP.items()},
            "libs/common/__init__.py": "",
            "docker/base/Dockerfile": base_dockerfile,
            "web/Dockerfile": "ARG BASE=acme/base:2\nFROM ${BASE}\nCOPY app /srv/app\nWORKDIR /srv\nCMD uvicorn app.main:app\n",
            "docker-compose.yml": """\
                services:
                  base:
                    image: registry.acme.io/acme/base:2
                    build: {context: ., dockerfile: docker/base/Dockerfile}
                  web:
                    build: ./web
            """,
        })
        return units_by_name(discover(root))

    # a base image that carries repository code couples every image built on it ...
    units = discover_with("FROM python:3.12-slim\nCOPY libs/common /opt/common\n")
    assert units["web"].base_image == "docker/base/Dockerfile"
    assert units["web/Dockerfile"].base_image == "docker/base/Dockerfile"
    assert units["web"].base_where == Location("web/Dockerfile", 2, "FROM acme/base:2")
    assert units["base"].base_image is None
    # ... one that only installs packages is a build convenience, not shared code
    units = discover_with("FROM python:3.12-slim\nRUN pip install sqlalchemy\n")
    assert units["web"].base_image is None


def test_entrypoint_script_and_cmd_shell_script(tree):
    root = tree({
        **APP,
        "docker-entrypoint.sh": '#!/bin/sh\nset -e\nexec "$@"\n',
        "start.sh": "#!/bin/sh\npython -m app.migrate\nexec gunicorn \\\n  app.main:app --bind :8000\n",
        "Dockerfile": """\
            FROM python:3.12-slim
            WORKDIR /code
            COPY . .
            COPY docker-entrypoint.sh /usr/local/bin/
            ENTRYPOINT ["docker-entrypoint.sh"]
            CMD ["./start.sh"]
        """,
    })
    (process,) = units_by_name(discover(root))["Dockerfile"].processes
    assert process.command == "docker-entrypoint.sh ./start.sh"
    assert (process.module, process.script) == ("app.main", "app/main.py")


def test_an_image_of_third_party_software_with_config_is_infrastructure(tree):
    root = tree({
        **APP,
        "proxy/Dockerfile": "FROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/nginx.conf\n",
        "proxy/nginx.conf": "events {}\n",
        "db/Dockerfile": "FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n",
        "db/init.sql": "CREATE DATABASE orders;\n",
        "docker-compose.yml": "services:\n  proxy:\n    build: ./proxy\n  db:\n    build: ./db\n",
    })
    units = units_by_name(discover(root))
    assert units["proxy"].infrastructure == "nginx"
    assert units["db"].infrastructure == "postgres"
    assert units["proxy/Dockerfile"].infrastructure == "nginx"


def test_build_target_selects_the_stage(tree):
    root = tree({
        **APP,
        "Dockerfile": """\
            FROM python:3.12 AS dev
            COPY . /app
            WORKDIR /app
            CMD ["python", "-m", "app.worker"]

            FROM python:3.12 AS prod
            COPY app /srv/app
            WORKDIR /srv
            CMD ["gunicorn", "app.main:app"]
        """,
        "docker-compose.yml": "services:\n  api:\n    build:\n      context: .\n      target: dev\n",
    })
    units = units_by_name(discover(root))
    assert units["api"].processes[0].module == "app.worker"
    assert units["Dockerfile"].processes[0].module == "app.worker"  # built as compose builds it


def test_a_missing_dockerfile_keeps_the_context_as_code(tree):
    root = tree({
        **APP,
        "docker-compose.yml": "services:\n  api:\n    build: {context: ., dockerfile: gen/Dockerfile}\n"
                              "    command: uvicorn app.main:app\n",
    })
    unit = units_by_name(discover(root))["api"]
    assert unit.infrastructure is None and unit.root == "." and unit.processes[0].script == "app/main.py"


def test_images_built_by_makefiles_scripts_and_workflows(tree):
    root = tree({
        **{f"orders/{k}": v for k, v in APP.items()},
        "orders/Dockerfile": "FROM acme-base\nWORKDIR /srv\nCOPY app app\nCMD [\"/srv/run.sh\"]\nCOPY run.sh /srv/run.sh\n",
        "orders/run.sh": "#!/bin/bash\nalembic upgrade head\nnameko run --config config.yml app.main --backdoor 3000\n",
        "orders/Makefile": "build-image:\n\tdocker build -t acme/orders:$(TAG) .;\n",
        "Dockerfile": "FROM python:3.12 AS base\nRUN pip install nameko\nCOPY lib /opt/lib\n",
        "lib/__init__.py": "",
        "Makefile": "build-base:\n\tdocker build --target base \\\n\t  -t acme-base .\n",
        "billing/app/__init__.py": "", "billing/app/main.py": "",
        "billing/docker/prod.Dockerfile": "FROM python:3.12\nCOPY app /srv/app\nWORKDIR /srv\nCMD gunicorn app.main:app\n",
        ".github/workflows/release.yml": """\
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: docker/build-push-action@v6
                    with:
                      context: ./billing
                      file: billing/docker/prod.Dockerfile
                      tags: |
                        ghcr.io/acme/billing:latest
                        ghcr.io/acme/billing:${{ github.sha }}
        """,
        "docker-compose.yml": "services:\n  orders:\n    image: acme/orders:latest\n  billing:\n    image: ghcr.io/acme/billing:1.2\n",
    })
    units = units_by_name(discover(root))
    orders = units["orders"]
    assert (orders.root, orders.base_image) == ("orders", "Dockerfile")
    assert (orders.processes[0].module, orders.processes[0].script) == ("app.main", "orders/app/main.py")
    billing = units["billing"]
    assert (billing.root, billing.dockerfile) == ("billing", "billing/docker/prod.Dockerfile")
    assert billing.processes[0].script == "billing/app/main.py"


def test_uwsgi_ini_and_fastapi_default_paths(tree):
    root = tree({
        "site/__init__.py": "", "site/wsgi.py": "",
        "etc/uwsgi.ini": "[uwsgi]\nhttp-socket=:$(PORT)\nwsgi-file=site/wsgi.py\n",
        "api/app/__init__.py": "", "api/app/main.py": "",
        "api/Dockerfile": "FROM python:3.12\nWORKDIR /srv\nCOPY app app\nCMD [\"fastapi\", \"run\", \"--workers\", \"4\"]\n",
        "Procfile": "web: uwsgi ./etc/uwsgi.ini\nmod: uwsgi --ini etc/other.ini\n",
        "etc/other.ini": "[uwsgi]\nmodule = site.wsgi:application\n",
    })
    units = units_by_name(discover(root))
    assert [(p.name, p.module, p.script) for p in units["Procfile"].processes] == [
        ("web", None, "site/wsgi.py"), ("mod", "site.wsgi", "site/wsgi.py"),
    ]
    assert units["api/Dockerfile"].processes[0].script == "api/app/main.py"


def test_hidden_tool_directories_are_not_deployments(tree):
    root = tree({
        **APP,
        ".devcontainer/docker-compose.yml": "services:\n  dev:\n    build: ..\n    command: sleep infinity\n",
        ".devcontainer/Dockerfile": "FROM python:3.12\n",
        ".aws-sam/build/template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n",
        ".docker/compose.yaml": "services:\n  web:\n    build: ..\n",
    })
    assert sorted(units_by_name(discover(root))) == ["web"]
