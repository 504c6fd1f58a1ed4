"""Where code starts, read from code: web application objects, workers, function handlers,
gRPC servers, Django projects and their apps, scripts (docs/data-and-communication.md).

An entrypoint is recognised from what a name resolves to (graph/names.py), so
``from flask import Flask as F; app = F(__name__)`` is a Flask application and a class
called ``Flask`` of the repository is not.
"""

from __future__ import annotations

import re

from archlint.graph.data import installed_apps
from archlint.graph.names import Ext, Names
from archlint.model.facts import CallSite
from archlint.model.system import Entrypoint

# Constructor (or factory) -> entrypoint kind. Routers and blueprints are not applications.
APPS = {
    "fastapi.FastAPI": "fastapi", "fastapi.applications.FastAPI": "fastapi",
    "starlette.applications.Starlette": "starlette", "starlette.Starlette": "starlette",
    "flask.Flask": "flask", "flask.app.Flask": "flask", "quart.Quart": "quart",
    "sanic.Sanic": "sanic", "aiohttp.web.Application": "aiohttp", "aiohttp.web_app.Application": "aiohttp",
    "tornado.web.Application": "tornado", "falcon.App": "falcon", "falcon.API": "falcon",
    "falcon.asgi.App": "falcon", "bottle.Bottle": "bottle", "bottle.default_app": "bottle",
    "django.core.wsgi.get_wsgi_application": "django", "django.core.asgi.get_asgi_application": "django",
    "celery.Celery": "celery", "celery.app.Celery": "celery", "rq.Worker": "rq", "rq.SimpleWorker": "rq",
    "rq.worker.Worker": "rq", "faust.App": "faust", "connexion.App": "flask", "connexion.FlaskApp": "flask",
    "connexion.AsyncApp": "starlette", "litestar.Litestar": "starlette",
}
# A whole web application served from one function (API Gateway / Lambda adapters).
WRAPPERS = frozenset({
    "mangum.Mangum", "mangum.adapter.Mangum", "apig_wsgi.make_lambda_handler", "serverless_wsgi.handle_request",
    "awsgi.response", "aws_wsgi.response", "asgiref.wsgi.WsgiToAsgi", "a2wsgi.WSGIMiddleware",
})
WRAPPED_APP = "wsgi-wrapper"
_DRAMATIQ = frozenset({"dramatiq.actor", "dramatiq.actor.actor"})
_NAMEKO = frozenset({"nameko.rpc.rpc", "nameko.events.event_handler", "nameko.web.handlers.http",
                     "nameko.timer.timer", "nameko.messaging.consume"})
_EVENTS = frozenset({"event", "evt", "_event", "payload", "request", "req", "_evt", "e"})
_CONTEXTS = frozenset({"context", "ctx", "_context", "_ctx", "lambda_context", "_c", "c"})
_HANDLER_NAMES = frozenset({"handler", "lambda_handler", "main_handler", "handle"})
SERVICER = re.compile(r"add_(\w+?)Servicer_to_server$")


def find_entrypoints(names: Names) -> list[Entrypoint]:
    """Every entrypoint of the repository's modules, sorted."""
    out: set[Entrypoint] = set()
    for module_id in sorted(names.index.modules):
        t = names.table(module_id)
        if t is None:
            continue
        facts = t.facts
        if facts.main_guard:
            out.add(Entrypoint(module_id, "main", "", facts.main_guard))
        for call in facts.calls:
            _call(names, module_id, call, out)
        for qualname, definition in t.functions.items():
            if "." in qualname:
                continue
            params = definition.params
            if len(params) == 2 and not definition.decorators and (
                (params[0] in _EVENTS and params[1] in _CONTEXTS)
                or (qualname in _HANDLER_NAMES and params[1] in _CONTEXTS)
            ):
                out.add(Entrypoint(module_id, "lambda", qualname, definition.line))
            for decorator in definition.decorators:
                found = names.dotted(module_id, "", decorator)
                if isinstance(found, Ext) and found.root() in _DRAMATIQ:
                    out.add(Entrypoint(module_id, "dramatiq", qualname, definition.line))
        for qualname in t.classes:
            service = nameko_service(names, module_id, qualname)
            if service is not None:
                out.add(Entrypoint(module_id, "nameko", service, t.classes[qualname].line))
    for app, label, module_id, line in installed_apps(names):
        module = names.index.modules[module_id]
        where, found = names.index.absolute(module, app)
        if where == "internal":
            out.add(Entrypoint(module_id, "django-app", f"{app} ({label})", line))
    for module_id in names.settings_modules():
        t = names.table(module_id)
        lines = [a.line for a in t.facts.assignments if not a.scope and a.target == "INSTALLED_APPS"] if t else []
        if lines:
            out.add(Entrypoint(module_id, "django-settings", "", lines[0]))
    return sorted(out, key=lambda e: (e.module, e.line, e.kind, e.name))


def _call(names: Names, module_id: str, call: CallSite, out: set[Entrypoint]) -> None:
    servicer = SERVICER.search(call.func)
    if servicer:
        out.add(Entrypoint(module_id, "grpc", servicer.group(1), call.line))
        return
    sym = names.callee(module_id, call)
    if not isinstance(sym, Ext) or sym.rest():
        return
    root = sym.root()
    if root == "django.core.management.execute_from_command_line":
        out.add(Entrypoint(module_id, "django", "manage", call.line))
    elif root in APPS:
        out.add(Entrypoint(module_id, APPS[root], _target(names, module_id, call) or call.scope, call.line))
    elif root in WRAPPERS:
        out.add(Entrypoint(module_id, WRAPPED_APP, _target(names, module_id, call) or call.scope, call.line))


def _target(names: Names, module_id: str, call: CallSite) -> str:
    """The name a call's result is assigned to (``app`` of ``app = Flask(__name__)``)."""
    t = names.table(module_id)
    if t is None:
        return ""
    for a in t.facts.assignments:
        if a.scope == call.scope and a.value == ("call", call.func) and a.line <= call.line <= a.line + 2:
            return a.target
    return ""


def nameko_service(names: Names, module_id: str, qualname: str) -> str | None:
    """The ``name`` of a nameko service class (one with an @rpc, @event_handler, @http,
    @timer or @consume method), else None."""
    t = names.table(module_id)
    if t is None:
        return None
    for method, definition in t.functions.items():
        if method.rpartition(".")[0] != qualname:
            continue
        for decorator in definition.decorators:
            found = names.dotted(module_id, qualname, decorator)
            if isinstance(found, Ext) and found.root() in _NAMEKO:
                binders = t.binders.get(qualname, {}).get("name")
                value = binders[-1][2] if binders and binders[-1][0] == "value" else None
                text = names.text(module_id, qualname, value) if value else None
                return text or qualname
    return None



__all__ = ["APPS", "SERVICER", "WRAPPED_APP", "WRAPPERS", "find_entrypoints", "nameko_service"]
