"""serverless.yml (the Serverless Framework): ``functions.*.handler`` with their runtime,
environment and events. ``${self:...}``, ``${sls:stage}`` and ``${opt:stage, 'dev'}`` are
resolved from the file itself; CloudFormation functions against its ``resources:``. A
serverless-wsgi function runs the WSGI app named in ``custom.wsgi.app``.
"""

from __future__ import annotations

import re
from typing import Any

from archlint.discover.deploy.cloudformation import Intrinsics, arn_name
from archlint.discover.deploy.commands import Command, handler_module
from archlint.discover.deploy.loader import LineDict, Reader, items, join, line_of, mapping, parent
from archlint.discover.deploy.units import directory_unit
from archlint.model.findings import Location
from archlint.model.system import DeployUnit, Process

_WSGI_HANDLERS = ("wsgi_handler.handler", "wsgi.handler")
_VARIABLE = re.compile(r"\$\{([^{}]+)\}")
_UNRESOLVED = "\x00"


def is_serverless(path: str) -> bool:
    return path.rpartition("/")[2] in ("serverless.yml", "serverless.yaml")


class _Variables:
    """Serverless Framework variables, resolved from the file itself."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        provider = doc.get("provider") if isinstance(doc.get("provider"), dict) else {}
        self.stage = "dev"  # the framework's default; `--stage` options are not known here
        stage = self.text(provider.get("stage"))
        if stage and _UNRESOLVED not in stage and "${" not in stage:
            self.stage = stage

    def _lookup(self, expression: str, depth: int) -> Any:
        for option in (o.strip() for o in expression.split(",")):
            if option[:1] in ("'", '"'):
                return option.strip("'\"")
            source, _, rest = option.partition(":")
            if source == "self":
                value: Any = self.doc
                for key in rest.split("."):
                    value = value.get(key) if isinstance(value, dict) else None
                if value is not None:
                    return self.resolve(value, depth + 1)
            elif source == "sls" and rest == "stage":
                return self.stage
        return None

    def resolve(self, value: Any, depth: int = 0) -> Any:
        if depth > 10:
            return value
        if isinstance(value, str):
            whole = _VARIABLE.fullmatch(value)
            if whole:
                found = self._lookup(whole.group(1), depth)
                if found is not None and not isinstance(found, str):
                    return found
            text = value
            for _ in range(10):
                new = _VARIABLE.sub(lambda m: self._text_of(m, depth), text)
                if new == text:
                    break
                text = new
            return text.replace(_UNRESOLVED, "$")
        if isinstance(value, dict):
            out = LineDict({k: self.resolve(v, depth + 1) for k, v in value.items()})
            if isinstance(value, LineDict):
                out.line, out.lines = value.line, value.lines
            return out
        if isinstance(value, list):
            return [self.resolve(v, depth + 1) for v in value]
        return value

    def _text_of(self, match: re.Match[str], depth: int) -> str:
        found = self._lookup(match.group(1), depth)
        if isinstance(found, (str, int, float)):
            return str(found)
        return _UNRESOLVED + "{" + match.group(1) + "}"

    def text(self, value: Any) -> str | None:
        resolved = self.resolve(value) if value is not None else None
        return resolved if isinstance(resolved, str) else None


def _event(event: Any, intrinsics: Intrinsics) -> str | None:
    if not isinstance(event, dict) or len(event) != 1:
        return None
    (kind, config), = event.items()
    kind = str(kind)
    if kind in ("http", "httpApi"):
        if isinstance(config, str):
            parts = config.split()
            method, path = (parts + ["/"])[:2] if len(parts) > 1 else ("ANY", parts[0] if parts else "/")
            return f"http {method.upper()} {path}"
        if isinstance(config, dict):
            return f"http {str(config.get('method', 'ANY')).upper()} {config.get('path', '/')}"
        return "http ANY /"
    keys = {"sqs": ("arn", "queueName"), "sns": ("topicName", "arn"), "schedule": ("rate",), "s3": ("bucket",),
            "stream": ("arn",), "eventBridge": ("eventBus",), "websocket": ("route",), "kafka": ("topic",),
            "rabbitmq": ("queue",), "activemq": ("queue",), "alb": ("listenerArn",), "iot": ("sql",)}
    labels = {"eventBridge": "eventbridge", "rabbitmq": "amqp", "activemq": "amqp"}
    detail: str | None = None
    if isinstance(config, dict):
        for key in keys.get(kind, ()):
            if key in config:
                detail = intrinsics.text(config[key])
                break
    else:
        detail = intrinsics.text(config)
    return f"{labels.get(kind, kind)} {arn_name(detail or '')}".strip()


def serverless_units(reader: Reader, path: str) -> list[DeployUnit]:
    docs = reader.yaml(path)
    if not docs:
        return []
    raw = docs[0]
    if not isinstance(raw, dict):
        reader.error(path, 1, "not a serverless.yml: the document is not a mapping")
        return []
    variables = _Variables(raw)
    doc = variables.resolve(raw)
    here = parent(path)
    service = doc.get("service")
    group = str(service.get("name") if isinstance(service, dict) else service or "") or None
    provider = doc.get("provider") if isinstance(doc.get("provider"), dict) else {}
    resources = doc.get("resources") if isinstance(doc.get("resources"), dict) else {}
    intrinsics = Intrinsics(mapping(resources.get("Resources")))
    provider_env = intrinsics.env(provider.get("environment"))
    custom = doc.get("custom") if isinstance(doc.get("custom"), dict) else {}
    wsgi = custom.get("wsgi") if isinstance(custom.get("wsgi"), dict) else {}
    functions = doc.get("functions")
    if isinstance(functions, list):  # a list of one-key mappings
        merged = LineDict()
        for item in functions:
            if isinstance(item, dict):
                merged.update(item)
                merged.lines.update(item.lines if isinstance(item, LineDict) else {})
        functions = merged
    units = []
    for name, definition in mapping(functions).items():
        if not isinstance(definition, dict):
            continue
        handler = str(definition.get("handler") or "")
        base = join(here, str(definition["module"])) if definition.get("module") else here
        base = base or here
        command: Command = handler_module(handler) if handler else Command()
        if handler in _WSGI_HANDLERS and wsgi.get("app"):
            command = handler_module(str(wsgi["app"]))
        script = join(base, command.script) if command.script else None
        env = {**provider_env, **intrinsics.env(definition.get("environment"))}
        events = [_event(e, intrinsics) for e in items(definition.get("events"))]
        where = Location(path, line_of(functions, name, 1), f"function {name}")
        process = Process(str(name), handler, command.module,
                          Location(path, line_of(definition, "handler", where.line), f"function {name}"),
                          script=script if script and reader.exists(script) else None)
        units.append(
            directory_unit(
                reader, str(name), "serverless", where, base, [process] if handler else [],
                environment=env,
                group=group,
                events=tuple(sorted({e for e in events if e})),
                runtime=str(definition.get("runtime") or provider.get("runtime") or "") or None,
                image=str(definition["image"]) if isinstance(definition.get("image"), str) else None,
            )
        )
    return units
