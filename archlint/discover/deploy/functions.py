"""Function platforms besides serverless.yml and SAM: Chalice apps, Azure Functions (the
function.json and the function_app.py models), Google Cloud Functions deployed with
``gcloud functions deploy`` and App Engine's app.yaml."""

from __future__ import annotations

import re
import shlex
from typing import Any

from archlint.discover.deploy.commands import Command
from archlint.discover.deploy.loader import Reader, items, join, line_of, mapping, parent, within
from archlint.discover.deploy.units import directory_unit, env_mapping, script_process
from archlint.model.findings import Location
from archlint.model.system import DeployUnit, Process


def _base(path: str) -> str:
    return path.rpartition("/")[2]


def _module_of(script: str, root: str) -> str | None:
    rel = script if root in ("", ".") else script[len(root) + 1 :]
    if not rel.endswith(".py"):
        return None
    rel = rel[:-3]
    if rel.endswith("/__init__"):
        rel = rel[: -len("/__init__")]
    module = rel.replace("/", ".")
    return module if all(p.isidentifier() for p in module.split(".")) else None


# --- Chalice -----------------------------------------------------------------------------


def is_chalice_config(path: str) -> bool:
    return path == ".chalice/config.json" or path.endswith("/.chalice/config.json")


def chalice_unit(reader: Reader, path: str) -> DeployUnit | None:
    doc = reader.json(path)
    if not isinstance(doc, dict):
        return None
    project = parent(parent(path))
    name = str(doc.get("app_name") or _base(project) or "chalice-app")
    env = env_mapping(doc.get("environment_variables"))
    stages = doc.get("stages") if isinstance(doc.get("stages"), dict) else {}
    stage = stages.get("dev") or next(iter(stages.values()), None)
    if isinstance(stage, dict):
        env.update(env_mapping(stage.get("environment_variables")))
    app = join(project, "app.py")
    where = Location(path, line_of(doc, "app_name", 1), f"chalice app {name}")
    process = Process("app", "chalice deploy", "app", where, script=app if app and reader.exists(app) else None)
    return directory_unit(reader, name, "chalice", where, project, [process], environment=env, group=name)


# --- Azure Functions ---------------------------------------------------------------------

_AZURE_TRIGGERS = {
    "httpTrigger": ("http", "route"), "queueTrigger": ("azure-queue", "queueName"),
    "serviceBusTrigger": ("servicebus", "queueName"), "eventHubTrigger": ("eventhub", "eventHubName"),
    "timerTrigger": ("schedule", "schedule"), "blobTrigger": ("blob", "path"),
    "cosmosDBTrigger": ("cosmosdb", "containerName"), "eventGridTrigger": ("eventgrid", ""),
    "kafkaTrigger": ("kafka", "topic"), "rabbitMQTrigger": ("amqp", "queueName"),
}


def azure_units(reader: Reader, function_jsons: list[str], host_jsons: list[str]) -> list[DeployUnit]:
    apps = sorted((parent(p) for p in host_jsons), key=len, reverse=True)
    units = []
    settings: dict[str, dict[str, str]] = {}
    for app in apps:
        local = join(app, "local.settings.json")
        doc = reader.json(local) if local and reader.exists(local) else None
        settings[app] = env_mapping(doc.get("Values")) if isinstance(doc, dict) else {}
    for path in function_jsons:
        here = parent(path)
        app = next((a for a in apps if within(here, a)), None)
        if app is None:
            continue
        doc = reader.json(path)
        if not isinstance(doc, dict):
            continue
        script = join(here, str(doc.get("scriptFile") or "__init__.py")) or here
        entry = str(doc.get("entryPoint") or "main")
        events = []
        for binding in items(doc.get("bindings")):
            if isinstance(binding, dict) and binding.get("direction", "in") == "in" and str(binding.get("type", "")).endswith("Trigger"):
                label, key = _AZURE_TRIGGERS.get(str(binding["type"]), (str(binding["type"]), ""))
                events.append(f"{label} {binding.get(key, '') if key else ''}".strip())
        name = _base(here)
        where = Location(path, 1, f"azure function {name}")
        process = Process(name, f"{_module_of(script, app) or script}:{entry}", _module_of(script, app), where,
                          script=script if reader.exists(script) else None)
        units.append(directory_unit(reader, name, "azure-functions", where, app, [process],
                                    environment=dict(settings.get(app, {})),
                                    group=_base(app) if app != "." else None, events=tuple(sorted(events))))
    for app in apps:
        script = join(app, "function_app.py")
        if script and reader.exists(script):
            where = Location(script, 1, "azure function app")
            name = _base(app) if app != "." else "function_app"
            process = Process("function_app", "func start", "function_app", where, script=script)
            units.append(directory_unit(reader, name, "azure-functions", where, app, [process],
                                        environment=dict(settings.get(app, {})), group=name))
    return units


# --- Google Cloud -------------------------------------------------------------------------

_GCLOUD = re.compile(r"gcloud\s+(?:beta\s+)?functions\s+deploy\b((?:[^\n\\]|\\\n)*)")


def gcloud_units(reader: Reader, path: str) -> list[DeployUnit]:
    """``gcloud functions deploy NAME --entry-point F --source DIR --trigger-...`` found in a
    Cloud Build file, a shell script, a Makefile or a CI workflow."""
    text = reader.read(path, required=False)
    if not text or "functions" not in text or "deploy" not in text:
        return []
    commands: list[tuple[int, list[str]]] = []
    if _base(path).startswith("cloudbuild") and not path.endswith(".json"):
        for doc in reader.yaml(path, text) or []:
            for step in items(mapping(doc).get("steps")):
                args = step.get("args") if isinstance(step, dict) else None
                if isinstance(args, list) and "functions" in args and "deploy" in args:
                    tokens = [str(a) for a in args]
                    commands.append((line_of(step, "args", 1), tokens[tokens.index("deploy") + 1 :]))
    else:
        for match in _GCLOUD.finditer(text):
            try:
                tokens = shlex.split(match.group(1).replace("\\\n", " "), comments=True)
            except ValueError:
                continue
            commands.append((text[: match.start()].count("\n") + 1, tokens))
    return [unit for line, tokens in commands if (unit := _gcloud_unit(reader, path, line, tokens))]


def _gcloud_unit(reader: Reader, path: str, line: int, tokens: list[str]) -> DeployUnit | None:
    options: dict[str, str] = {}
    name = ""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--"):
            key, eq, value = token.partition("=")
            if not eq and i + 1 < len(tokens) and not tokens[i + 1].startswith("-") and key not in ("--trigger-http", "--gen2", "--allow-unauthenticated", "--quiet"):
                value = tokens[i + 1]
                i += 1
            options[key] = value
        elif not name and re.match(r"^[A-Za-z][\w-]*$", token):
            name = token
        i += 1
    if not name:
        return None
    source = join(parent(path) if not path.startswith(".github/") else ".", options.get("--source") or ".") or "."
    entry = options.get("--entry-point") or name
    events = []
    if "--trigger-http" in options:
        events.append("http ANY /")
    for key, label in (("--trigger-topic", "pubsub"), ("--trigger-bucket", "storage"), ("--trigger-event", "event")):
        if options.get(key):
            events.append(f"{label} {options[key]}")
    env = dict(item.partition("=")[::2] for item in options.get("--set-env-vars", "").split(",") if "=" in item)
    main = join(source, "main.py")
    where = Location(path, line, f"gcloud functions deploy {name}")
    command = Command(module="main", script="main.py")
    process = Process(name, f"functions-framework --target={entry}", command.module, where,
                      script=main if main and reader.exists(main) else None)
    return directory_unit(reader, name, "gcp-functions", where, source, [process], environment=env,
                          events=tuple(events), runtime=options.get("--runtime"))


def is_app_yaml(path: str) -> bool:
    return _base(path) in ("app.yaml", "app.yml")


def appengine_unit(reader: Reader, path: str) -> DeployUnit | None:
    """App Engine: a Python runtime's ``entrypoint`` (default ``gunicorn main:app``)."""
    docs = reader.yaml(path)
    doc: Any = docs[0] if docs else None
    if not isinstance(doc, dict) or not str(doc.get("runtime", "")).startswith("python"):
        return None
    here = parent(path)
    name = str(doc.get("service") or "default")
    entrypoint = str(doc.get("entrypoint") or "gunicorn -b :$PORT main:app")
    env = env_mapping(doc.get("env_variables"))
    where = Location(path, line_of(doc, "entrypoint", line_of(doc, "runtime", 1)), f"app engine service {name}")
    process = script_process("web", entrypoint, where, here, reader, env)
    return directory_unit(reader, name, "appengine", Location(path, 1, f"app engine service {name}"), here,
                          [process], environment=env, runtime=str(doc["runtime"]))
