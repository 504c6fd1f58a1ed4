"""Which module a command starts, for the commands real deploy files use."""

from __future__ import annotations

import pytest

from archlint.discover.deploy.commands import command_text, handler_module, parse

ENV = {"FLASK_APP": "shop.wsgi:app", "DJANGO_SETTINGS_MODULE": "proj.settings"}


@pytest.mark.parametrize(
    "command,program,module,script",
    [
        ("gunicorn shop.wsgi:app --workers 4", "gunicorn", "shop.wsgi", None),
        ("gunicorn -b localhost:8000 -w 4 app:app", "gunicorn", "app", None),
        ('gunicorn --bind 0.0.0.0:5000 "payments.app:create_app()"', "gunicorn", "payments.app", None),
        ("uvicorn app.main:app --host 0.0.0.0 --port 8000", "uvicorn", "app.main", None),
        ("uvicorn --factory app.main:create_app --app-dir src", "uvicorn", "app.main", None),
        ("hypercorn app.asgi:app -b 0.0.0.0:8000", "hypercorn", "app.asgi", None),
        ("daphne -b 0.0.0.0 -p 8001 proj.asgi:application", "daphne", "proj.asgi", None),
        ("uwsgi --http :8000 --module mysite.wsgi:application --chdir /app", "uwsgi", "mysite.wsgi", None),
        ("celery -A shop.tasks worker --loglevel=info", "celery", "shop.tasks", None),
        ("celery --app=proj worker -B", "celery", "proj", None),
        ("celery -Aproj.celery beat", "celery", "proj.celery", None),
        ("python -m celery -A proj worker", "celery", "proj", None),
        ("python -m app.consumer", "python", "app.consumer", None),
        ("python3.12 -u -m shipping.dispatch --interval 30", "python", "shipping.dispatch", None),
        ("python src/main.py", "python", None, "src/main.py"),
        ("python manage.py runserver 0.0.0.0:8000", "python", "manage", "manage.py"),
        ("./manage.py runserver", "manage.py", "manage", "./manage.py"),
        ("django-admin runserver", "django-admin", "proj.settings", None),
        ("flask --app hello run", "flask", "hello", None),
        ("flask run --host 0.0.0.0", "flask", "shop.wsgi", None),
        ("python -m flask run", "flask", "shop.wsgi", None),
        ("dramatiq tasks.actors -p 2", "dramatiq", "tasks.actors", None),
        ("huey_consumer.py main.huey -w 4", "huey-consumer", "main", None),
        ("arq app.worker.WorkerSettings", "arq", "app.worker", None),
        ("nameko run orders.service --config config.yml", "nameko", "orders.service", None),
        ("faust -A proj.app worker -l info", "faust", "proj.app", None),
        ("streamlit run dashboard/app.py --server.port 8501", "streamlit", None, "dashboard/app.py"),
        ("functions-framework --target=hello --source=functions/main.py", "functions-framework", "functions.main", "functions/main.py"),
        ("fastapi run app/main.py", "fastapi", None, "app/main.py"),
    ],
)
def test_runners(command, program, module, script):
    found = parse(command, ENV)
    assert (found.program, found.module, found.script) == (program, module, script)


@pytest.mark.parametrize(
    "command,module",
    [
        ("sh -c 'python manage.py migrate && gunicorn proj.wsgi:application --bind :8000'", "proj.wsgi"),
        ('/bin/sh -ec "exec uvicorn app.main:app --host 0.0.0.0"', "app.main"),
        (["bash", "-c", "alembic upgrade head; exec gunicorn app:app"], "app"),
        ("./wait-for-it.sh db:5432 -t 30 -- python -m worker", "worker"),
        ("tini -- gunicorn app:app", "app"),
        ("dumb-init -- uvicorn api.main:app", "api.main"),
        ("poetry run uvicorn api.main:app --reload", "api.main"),
        ("uv run --no-sync python -m worker", "worker"),
        ("pipenv run python -m jobs.nightly", "jobs.nightly"),
        ("opentelemetry-instrument --traces_exporter console uvicorn app.main:app", "app.main"),
        ("newrelic-admin run-program gunicorn app:app", "app"),
        ("ddtrace-run gunicorn app:app", "app"),
        ("DEBUG=1 exec python -m app", "app"),
        (["./docker-entrypoint.sh", "gunicorn", "x.y:app"], "x.y"),
        ("gosu app celery -A proj worker", "proj"),
    ],
)
def test_wrappers_and_chains_are_looked_through(command, module):
    assert parse(command, {}).module == module


def test_commands_that_start_no_python_module():
    assert not parse("npm start").known
    assert parse("pytest -q").program == "pytest"
    assert not parse("uwsgi --ini uwsgi.ini").known
    assert not parse("python -c 'print(1)'").known
    wrapper = parse(["docker-entrypoint.sh"])
    assert wrapper.wrapper == "docker-entrypoint.sh" and not wrapper.known
    assert not parse("sh -c 'unbalanced").known  # does not raise


def test_flask_app_from_the_command_line_wins_over_the_environment():
    assert parse("flask --app other:create_app run", ENV).module == "other"
    assert parse("celery worker", {"CELERY_APP": "proj"}).module == "proj"


def test_command_text():
    assert command_text(["gunicorn", "-b", "0.0.0.0:80", "a:app"]) == "gunicorn -b 0.0.0.0:80 a:app"
    assert command_text("  gunicorn   a:app ") == "gunicorn a:app"


@pytest.mark.parametrize(
    "handler,module,script",
    [
        ("handlers/orders.create", "handlers.orders", "handlers/orders.py"),
        ("app.lambda_handler", "app", "app.py"),
        ("src.api.handler.main", "src.api.handler", "src/api/handler.py"),
        ("index", None, None),
    ],
)
def test_lambda_handlers(handler, module, script):
    found = handler_module(handler)
    assert (found.module, found.script) == (module, script)
