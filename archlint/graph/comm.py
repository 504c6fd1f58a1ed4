"""Communication read from code: HTTP clients and routes, gRPC stubs and servers, message
producers and consumers (docs/data-and-communication.md lists each API).

Every endpoint is one module's side of a conversation; graph/system.py joins them into
links between services.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from archlint.graph.data import REDIS_CLIENTS, REDIS_FROM_URL, aws_service, redis_url
from archlint.graph.entrypoints import SERVICER, nameko_service
from archlint.graph.names import Data, Ext, Internal, Names, Step, Sym, Text
from archlint.model.facts import CallSite, Definition
from archlint.model.system import Endpoint

CLIENT, SERVER, PRODUCER, CONSUMER = "client", "server", "producer", "consumer"

_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
_HTTP_FUNCTIONS = frozenset({"requests", "requests.api", "httpx"})
_HTTP_SESSIONS = frozenset({
    "requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client", "httpx.AsyncClient",
    "aiohttp.ClientSession", "aiohttp.client.ClientSession",
})
_ROUTERS = frozenset({
    "fastapi.FastAPI", "fastapi.applications.FastAPI", "fastapi.APIRouter", "fastapi.routing.APIRouter",
    "starlette.applications.Starlette", "flask.Flask", "flask.app.Flask", "flask.Blueprint",
    "flask.blueprints.Blueprint", "quart.Quart", "quart.Blueprint", "sanic.Sanic", "sanic.Blueprint",
    "bottle.Bottle", "aiohttp.web.RouteTableDef", "falcon.App", "falcon.API", "falcon.asgi.App",
    "aiohttp.web.Application",
})
_FLASK_LIKE = ("flask.", "quart.", "sanic.", "bottle.")
_ROUTE_FUNCTIONS = {
    "django.urls.path": 0, "django.urls.re_path": 0, "django.conf.urls.url": 0, "starlette.routing.Route": 0,
    "starlette.routing.WebSocketRoute": 0, "aiohttp.web.route": 1, "bottle.route": 0,
}
_GRPC_CHANNELS = frozenset({"grpc.insecure_channel", "grpc.secure_channel", "grpc.aio.insecure_channel",
                            "grpc.aio.secure_channel", "grpc.intercept_channel"})
_KAFKA_PRODUCERS = frozenset({"kafka.KafkaProducer", "kafka.producer.KafkaProducer", "aiokafka.AIOKafkaProducer",
                              "aiokafka.producer.AIOKafkaProducer"})
_CONFLUENT_PRODUCERS = frozenset({"confluent_kafka.Producer", "confluent_kafka.SerializingProducer",
                                  "confluent_kafka.avro.AvroProducer"})
_KAFKA_CONSUMERS = frozenset({"kafka.KafkaConsumer", "kafka.consumer.KafkaConsumer", "aiokafka.AIOKafkaConsumer",
                              "aiokafka.consumer.AIOKafkaConsumer"})
_CONFLUENT_CONSUMERS = frozenset({"confluent_kafka.Consumer", "confluent_kafka.DeserializingConsumer",
                                  "confluent_kafka.avro.AvroConsumer"})
_NATS = frozenset({"nats.connect", "nats.aio.client.Client", "nats.NATS"})
_AIO_PIKA = frozenset({"aio_pika.connect", "aio_pika.connect_robust"})
_PIKA_METHODS = frozenset({"basic_publish", "queue_bind", "basic_consume"})
_PUBSUB = frozenset({"google.cloud.pubsub_v1.PublisherClient", "google.cloud.pubsub.PublisherClient",
                     "google.cloud.pubsub_v1.SubscriberClient", "google.cloud.pubsub.SubscriberClient"})
_CELERY_CALLS = (".delay", ".apply_async", ".s", ".si", ".signature", ".map", ".starmap", ".chunks")
_TASK_DECORATORS = frozenset({"celery.shared_task", "celery.task", "celery.app.shared_task"})
_STREAM_KEYS = ("streams",)


def route_method(decorator: str) -> str | None:
    return decorator.upper() if decorator in _HTTP_VERBS else None


def queue_name(text: str | None) -> str | None:
    """An SQS queue URL or ARN, an SNS topic ARN -> the queue / topic name."""
    if not text:
        return None
    if text.startswith("arn:"):
        return text.rpartition(":")[2]
    if "://" in text:
        return text.rstrip("/").rpartition("/")[2] or None
    return text


def _join(base: str | None, path: str | None) -> str | None:
    if path is None:
        return base
    if base is None or "://" in path or path.startswith("{env:") or (path.startswith("{") and not path.startswith("{}")):
        return path
    return base.rstrip("/") + "/" + path.lstrip("/") if path else base


@dataclass(slots=True)
class _Module:
    names: Names
    id: str
    out: list[Endpoint]
    imports: set[str] = field(default_factory=set)

    def add(self, role: str, protocol: str, channel: str | None, call: CallSite | Definition, scope: str,
            address: str | None = None) -> None:
        if channel:
            self.out.append(Endpoint(self.id, role, protocol, channel, call.line, scope, address))

    def text(self, step: Step | CallSite | None, index: int | None, *keywords: str) -> str | None:
        if step is None:
            return None
        return self.names.arg_text(step, self.id, index, *keywords)


class CommRecognizer:
    """Finds every Endpoint of the repository's modules."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self.tasks: dict[tuple[str, str], tuple[str, str]] = {}  # (module, function) -> (protocol, name)

    def run(self) -> list[Endpoint]:
        out: list[Endpoint] = []
        modules = sorted(m for m in self.names.index.modules if self.names.table(m) is not None)
        for module_id in modules:
            self._definitions(_Module(self.names, module_id, out))
        for module_id in modules:
            t = self.names.table(module_id)
            assert t is not None
            m = _Module(self.names, module_id, out, {i.module.partition(".")[0] for i in t.facts.imports if not i.level})
            for call in t.facts.calls:
                self._call(m, call)
        bound: list[Endpoint] = []
        for e in out:
            callers = self.names.bind(e.module, e.scope, e.channel) if "{param:" in e.channel else []
            bound += [replace(e, module=mid, line=call.line, scope=call.scope, channel=channel)
                      for mid, call, channel in callers] or [e]
        return sorted(set(bound), key=lambda e: (e.module, e.line, e.role, e.protocol, e.channel, e.address or ""))

    # -- decorated functions and classes -------------------------------------------------------
    def _definitions(self, m: _Module) -> None:
        names = self.names
        t = names.table(m.id)
        assert t is not None
        module_name = t.module.name
        for qualname, definition in t.functions.items():
            parent = qualname.rpartition(".")[0]
            for decorator in definition.decorators:
                found = names.dotted(m.id, parent, decorator)
                if not isinstance(found, Ext):
                    continue
                call = _decorator_call(t.facts.calls, decorator, parent, definition.line)
                root, rest = found.root(), found.rest()
                if (root in ("celery.Celery", "celery.app.Celery") and rest == "().task") or root in _TASK_DECORATORS:
                    name = m.text(call, None, "name") or f"{module_name}.{qualname}"
                    self.tasks[(m.id, qualname)] = ("celery", name)
                    m.add(CONSUMER, "celery", name, definition, qualname)
                elif root in ("dramatiq.actor", "dramatiq.actor.actor"):
                    name = m.text(call, None, "actor_name") or qualname.rpartition(".")[2]
                    self.tasks[(m.id, qualname)] = ("dramatiq", name)
                    m.add(CONSUMER, "dramatiq", name, definition, qualname)
                elif root == "nameko.events.event_handler" and call is not None:
                    source, event = m.text(call, 0, "source_service"), m.text(call, 1, "event_type")
                    if source and event:
                        m.add(CONSUMER, "nameko-event", f"{source}.{event}", definition, qualname)
                elif root == "nameko.rpc.rpc":
                    service = nameko_service(names, m.id, parent)
                    if service:
                        m.add(SERVER, "nameko-rpc", service, definition, qualname)
                elif root == "faust.App" and rest == "().agent" and call is not None:
                    m.add(CONSUMER, "kafka", _channel(names, names.arg(call, m.id, 0, "channel")), definition, qualname)
                elif rest.startswith("()") or root in _ROUTE_FUNCTIONS:
                    self._route(m, found, call, definition, qualname)

    def _route(self, m: _Module, found: Ext, call: CallSite | None, definition: Definition, scope: str) -> None:
        root, last = found.root(), found.last()
        if call is None:
            return
        if root in _ROUTERS and found.rest() == f"().{last}":
            method = route_method(last) or ("WS" if last == "websocket" else None)
            if last in ("route", "api_route"):
                method = _methods(self.names, call, m.id) or ("GET" if root.startswith(_FLASK_LIKE) else "ANY")
            if method is None:
                return
            path = m.text(call, 0, "path", "rule", "uri")
            prefix = m.text(found.steps[0], None, "prefix", "url_prefix") if found.steps else None
            if path is not None:
                m.add(SERVER, "http", f"{method} {(prefix or '') + path}", definition, scope)
        elif root in ("bottle.route", "bottle.get", "bottle.post", "bottle.put", "bottle.delete"):
            path = m.text(call, 0, "path")
            method = route_method(root.rpartition(".")[2]) or _methods(self.names, call, m.id) or "GET"
            if path is not None:
                m.add(SERVER, "http", f"{method} {path}", definition, scope)

    # -- calls -----------------------------------------------------------------------------
    def _call(self, m: _Module, call: CallSite) -> None:
        names = self.names
        servicer = SERVICER.search(call.func)
        if servicer:
            m.add(SERVER, "grpc", servicer.group(1), call, call.scope)
            return
        sym = names.callee(m.id, call)
        if isinstance(sym, Internal):
            self._internal(m, call, sym)
            return
        if not isinstance(sym, Ext):
            if "pika" in m.imports and call.func.rpartition(".")[2] in _PIKA_METHODS:
                self._pika(m, call, call.func.rpartition(".")[2])
            return
        root, rest, last = sym.root(), sym.rest(), sym.last()
        if sym.path.endswith("Stub") and ("_pb2_grpc" in sym.path or "_grpc." in sym.path):
            self._stub(m, call, sym.path.rpartition(".")[2])
        elif root in _HTTP_FUNCTIONS or (root.rpartition(".")[0] in _HTTP_FUNCTIONS and not rest):
            self._http(m, call, root.rpartition(".")[2] if not rest else last, None)
        elif root in _HTTP_SESSIONS and rest.startswith("()") and rest.count("()") == 1:
            base = m.text(sym.steps[0], None, "base_url") if sym.steps else None
            self._http(m, call, last, base)
        elif root in ("urllib.request.urlopen", "urllib.request.Request") and not rest:
            target = names.arg(call, m.id, 0, "url")
            if isinstance(target, Ext) and target.root() == "urllib.request.Request" and target.steps:
                target = names.arg(target.steps[0], None, 0, "url")
            if root.endswith("urlopen") and isinstance(target, Text):
                m.add(CLIENT, "http", target.template, call, call.scope)
        elif root in ("urllib3.PoolManager", "urllib3.poolmanager.PoolManager") and last in ("request", "urlopen"):
            m.add(CLIENT, "http", m.text(call, 1, "url"), call, call.scope)
        elif root == "urllib3.request":
            m.add(CLIENT, "http", m.text(call, 1, "url"), call, call.scope)
        elif root in ("http.client.HTTPConnection", "http.client.HTTPSConnection") and not rest:
            host = m.text(call, 0, "host")
            port = m.text(call, 1, "port")
            scheme = "https" if root.endswith("HTTPSConnection") else "http"
            if host:
                m.add(CLIENT, "http", f"{scheme}://{host}{':' + port if port else ''}", call, call.scope)
        elif root in ("tornado.httpclient.AsyncHTTPClient", "tornado.httpclient.HTTPClient") and last == "fetch":
            m.add(CLIENT, "http", m.text(call, 0, "request"), call, call.scope)
        elif root in _ROUTERS and last in ("add_url_rule", "add_route", "add_get", "add_post", "add_put",
                                           "add_patch", "add_delete", "add_api_route", "add_websocket_route"):
            self._added_route(m, call, sym)
        elif root in _ROUTE_FUNCTIONS and not rest:
            index = _ROUTE_FUNCTIONS[root]
            path = m.text(call, index, "path", "route")
            method = _methods(names, call, m.id) or (m.text(call, 0, "method") if index == 1 else None) or "ANY"
            if path is not None:
                m.add(SERVER, "http", f"{method.upper()} {path}", call, call.scope)
        elif root.startswith("aiohttp.web.") and root.rpartition(".")[2] in _HTTP_VERBS and not rest:
            path = m.text(call, 0, "path")
            if path is not None:
                m.add(SERVER, "http", f"{root.rpartition('.')[2].upper()} {path}", call, call.scope)
        elif root == "tornado.web.Application" and not rest:
            self._tornado(m, call)
        else:
            self._messaging(m, call, sym, root, rest, last)

    def _internal(self, m: _Module, call: CallSite, sym: Internal) -> None:
        """``task.delay()`` / ``actor.send()`` of a task defined in the repository; a gRPC
        stub class generated into the repository."""
        task = self.tasks.get((sym.module, sym.qualname))
        if task is not None:
            protocol, name = task
            if (protocol == "celery" and sym.rest.startswith(_CELERY_CALLS)) or (
                    protocol == "dramatiq" and sym.rest.startswith((".send", ".send_with_options"))):
                m.add(PRODUCER, protocol, name, call, call.scope)
            return
        module = self.names.index.modules.get(sym.module)
        if module and not sym.rest and sym.qualname.endswith("Stub") and module.name.endswith(("_pb2_grpc", "_grpc")):
            self._stub(m, call, sym.qualname)

    def _stub(self, m: _Module, call: CallSite, name: str) -> None:
        channel = self.names.arg(call, m.id, 0, "channel")
        address = None
        if isinstance(channel, Ext):
            for called, step in channel.calls():
                if f"grpc.{called}" in _GRPC_CHANNELS or f"grpc.aio.{called}" in _GRPC_CHANNELS:
                    address = m.text(step, 0, "target")
                    break
        m.add(CLIENT, "grpc", name.removesuffix("Stub"), call, call.scope, address)

    def _http(self, m: _Module, call: CallSite, method: str, base: str | None) -> None:
        if method in ("request", "stream"):
            url = m.text(call, 1, "url")
        elif method in _HTTP_VERBS or method in ("ws_connect", "websocket_connect"):
            url = m.text(call, 0, "url")
        else:
            return
        url = _join(base, url)
        m.add(CLIENT, "http", url, call, call.scope)

    def _added_route(self, m: _Module, call: CallSite, sym: Ext) -> None:
        last = sym.last()
        if last == "add_route" and sym.root().startswith("aiohttp"):
            method, path = m.text(call, 0, "method"), m.text(call, 1, "path")
        elif last.startswith("add_") and last[4:] in _HTTP_VERBS:
            method, path = last[4:].upper(), m.text(call, 0, "path")
        else:
            path = m.text(call, 0, "rule", "path", "uri_template")
            method = _methods(self.names, call, m.id) or ("GET" if sym.root().startswith(_FLASK_LIKE) else "ANY")
        if path is not None:
            prefix = m.text(sym.steps[0], None, "prefix", "url_prefix") if sym.steps else None
            m.add(SERVER, "http", f"{(method or 'ANY').upper()} {(prefix or '') + path}", call, call.scope)

    def _tornado(self, m: _Module, call: CallSite) -> None:
        handlers = self.names.arg(call, m.id, 0, "handlers")
        if not isinstance(handlers, Data) or handlers.value[0] != "list":
            return
        for item in handlers.value[1]:
            if item[0] == "list" and item[1]:
                path = self.names.text(handlers.module, handlers.scope, item[1][0])
                if path:
                    m.add(SERVER, "http", f"ANY {path}", call, call.scope)

    # -- messaging ---------------------------------------------------------------------------
    def _messaging(self, m: _Module, call: CallSite, sym: Ext, root: str, rest: str, last: str) -> None:
        names = self.names
        ctor = sym.steps[0] if sym.steps else None
        if root in _KAFKA_PRODUCERS and rest in ("().send", "().send_and_wait", "().send_batch"):
            m.add(PRODUCER, "kafka", m.text(call, 0, "topic"), call, call.scope, m.text(ctor, None, "bootstrap_servers"))
        elif root in _CONFLUENT_PRODUCERS and rest in ("().produce", "().poll") and last == "produce":
            m.add(PRODUCER, "kafka", m.text(call, 0, "topic"), call, call.scope, _confluent_servers(names, ctor))
        elif root in _KAFKA_CONSUMERS and not rest:
            address = m.text(call, None, "bootstrap_servers")
            for index in range(len(call.args)):
                m.add(CONSUMER, "kafka", m.text(call, index), call, call.scope, address)
        elif (root in _KAFKA_CONSUMERS or root in _CONFLUENT_CONSUMERS) and rest == "().subscribe":
            address = m.text(ctor, None, "bootstrap_servers") if root in _KAFKA_CONSUMERS else _confluent_servers(names, ctor)
            for topic in _texts(names, names.arg(call, m.id, 0, "topics")):
                m.add(CONSUMER, "kafka", topic, call, call.scope, address)
        elif root == "faust.App" and last == "send" and ".topic()" in rest:
            topic = next((s for n, s in sym.calls() if n == "topic"), None)
            m.add(PRODUCER, "kafka", m.text(topic, 0), call, call.scope)
        elif root.startswith("pika.") and last in _PIKA_METHODS:
            self._pika(m, call, last)
        elif root in _AIO_PIKA:
            self._aio_pika(m, call, sym, last)
        elif root.startswith("kombu."):
            self._kombu(m, call, sym, root, rest, last)
        elif root in _NATS:
            address = m.text(ctor, 0, "servers") if root == "nats.connect" else None
            if last in ("publish", "request") and rest.endswith(f".{last}"):
                m.add(PRODUCER, "nats", m.text(call, 0, "subject"), call, call.scope, address)
            elif last in ("subscribe", "pull_subscribe", "queue_subscribe"):
                m.add(CONSUMER, "nats", m.text(call, 0, "subject"), call, call.scope, address)
        elif root in REDIS_CLIENTS or root in REDIS_FROM_URL:
            self._redis(m, call, sym, root, last)
        elif root in ("celery.Celery", "celery.app.Celery", "celery.current_app") and last == "send_task":
            m.add(PRODUCER, "celery", m.text(call, 0, "name"), call, call.scope)
        elif root in ("celery.signature", "celery.Signature") and rest.startswith("()") and rest[2:].startswith(_CELERY_CALLS):
            m.add(PRODUCER, "celery", m.text(ctor, 0, "task"), call, call.scope)
        elif root in ("rq.Queue", "rq.queue.Queue") and last.startswith("enqueue") and rest.count("()") == 1:
            m.add(PRODUCER, "rq", (m.text(ctor, 0, "name") if ctor else None) or "default", call, call.scope)
        elif root in ("rq.Worker", "rq.SimpleWorker", "rq.worker.Worker") and not rest:
            for queue in _texts(names, names.arg(call, m.id, 0, "queues"), ("Queue",)):
                m.add(CONSUMER, "rq", queue, call, call.scope)
        elif root in ("nameko.rpc.RpcProxy", "nameko.rpc.ServiceRpc", "nameko.standalone.rpc.ServiceRpcProxy") and not rest:
            m.add(CLIENT, "nameko-rpc", m.text(call, 0, "target_service", "service_name"), call, call.scope)
        elif root in ("nameko.standalone.rpc.ClusterRpcProxy", "nameko.standalone.rpc.ClusterRpcClient") and rest.count(".") >= 2:
            m.add(CLIENT, "nameko-rpc", rest.split(".")[1], call, call.scope)
        elif root == "nameko.events.EventDispatcher" and rest == "()":  # an instance called: self.dispatch(...)
            owner = call.scope.rpartition(".")[0]
            service = nameko_service(names, m.id, owner) if owner else None
            event = m.text(call, 0, "event_type")
            if service and event:
                m.add(PRODUCER, "nameko-event", f"{service}.{event}", call, call.scope)
        elif root == "nameko.standalone.events.event_dispatcher" and rest == "()":
            service, event = m.text(call, 0), m.text(call, 1)
            if service and event:
                m.add(PRODUCER, "nameko-event", f"{service}.{event}", call, call.scope)
        elif root in _PUBSUB:
            self._pubsub(m, call, root, last)
        else:
            service = aws_service(names, sym)
            if service is not None:
                self._aws(m, call, sym, service[0], service[1])

    def _pika(self, m: _Module, call: CallSite, method: str) -> None:
        if method == "basic_publish":
            exchange = m.text(call, 0, "exchange") or ""
            key = m.text(call, 1, "routing_key")
            if key is not None:
                m.add(PRODUCER, "amqp", f"{exchange}/{key}" if exchange else key, call, call.scope)
        elif method == "queue_bind":
            queue, exchange = m.text(call, 0, "queue"), m.text(call, 1, "exchange")
            key = m.text(call, 2, "routing_key") or queue
            if exchange and key:
                m.add(CONSUMER, "amqp", f"{exchange}/{key}", call, call.scope)
        elif method == "basic_consume":
            queue = m.text(call, None, "queue") or m.text(call, 0)
            m.add(CONSUMER, "amqp", queue, call, call.scope)

    def _aio_pika(self, m: _Module, call: CallSite, sym: Ext, last: str) -> None:
        calls = sym.calls()
        exchange = next((s for n, s in reversed(calls) if n in ("declare_exchange", "get_exchange")), None)
        queue = next((s for n, s in reversed(calls) if n in ("declare_queue", "get_queue")), None)
        if last == "publish" and sym.path.endswith((".declare_exchange().publish", ".get_exchange().publish")):
            key = m.text(call, 1, "routing_key")
            name = m.text(exchange, 0, "name")
            if key and name:
                m.add(PRODUCER, "amqp", f"{name}/{key}", call, call.scope)
        elif last == "publish" and sym.path.endswith(".default_exchange.publish"):
            m.add(PRODUCER, "amqp", m.text(call, 1, "routing_key"), call, call.scope)
        elif last == "bind" and queue is not None:
            target = self.names.arg(call, m.id, 0, "exchange")
            name = _channel(self.names, target)
            key = m.text(call, 1, "routing_key") or m.text(queue, 0, "name")
            if name and key:
                m.add(CONSUMER, "amqp", f"{name}/{key}", call, call.scope)
        elif last in ("consume", "iterator", "get") and queue is not None and sym.path.endswith(f".{last}"):
            m.add(CONSUMER, "amqp", m.text(queue, 0, "name"), call, call.scope)

    def _kombu(self, m: _Module, call: CallSite, sym: Ext, root: str, rest: str, last: str) -> None:
        names = self.names
        if root in ("kombu.Queue", "kombu.entity.Queue") and not rest:
            queue = m.text(call, 0, "name")
            exchange = _channel(names, names.arg(call, m.id, 1, "exchange"))
            key = m.text(call, 2, "routing_key")
            if exchange and (key or queue):
                m.add(CONSUMER, "amqp", f"{exchange}/{key or queue}", call, call.scope)
            elif queue:
                m.add(CONSUMER, "amqp", queue, call, call.scope)
        elif last == "publish" and ("Producer" in sym.path or "producer" in sym.path):
            producer = next((s for n, s in reversed(sym.calls()) if n in ("Producer", "producer")), None)
            exchange = (_channel(names, names.arg(call, m.id, None, "exchange"))
                        or (_channel(names, names.arg(producer, None, 1, "exchange")) if producer else None) or "")
            key = m.text(call, None, "routing_key")
            if key:
                m.add(PRODUCER, "amqp", f"{exchange}/{key}" if exchange else key, call, call.scope)
        elif ".SimpleQueue()" in sym.path or ".SimpleBuffer()" in sym.path:
            queue = next((s for n, s in sym.calls() if n in ("SimpleQueue", "SimpleBuffer")), None)
            role = PRODUCER if last == "put" else CONSUMER if last == "get" else None
            if role:
                m.add(role, "amqp", m.text(queue, 0, "name"), call, call.scope)

    def _redis(self, m: _Module, call: CallSite, sym: Ext, root: str, last: str) -> None:
        names = self.names
        ctor = sym.steps[0] if sym.steps else None
        address = redis_url(names, ctor, None, root) if ctor is not None and ctor.call is not None else None
        if last == "publish" and sym.path.count("()") == 1:
            m.add(PRODUCER, "redis", m.text(call, 0, "channel"), call, call.scope, address)
        elif last in ("subscribe", "psubscribe") and ".pubsub()" in sym.path:
            for index in range(len(call.args)):
                m.add(CONSUMER, "redis", m.text(call, index), call, call.scope, address)
        elif last == "xadd":
            m.add(PRODUCER, "redis", m.text(call, 0, "name"), call, call.scope, address)
        elif last in ("xread", "xreadgroup"):
            streams = names.arg(call, m.id, 0 if last == "xread" else 2, *_STREAM_KEYS)
            if isinstance(streams, Data) and streams.value[0] == "dict":
                for key in sorted(streams.value[1]):
                    m.add(CONSUMER, "redis", key, call, call.scope, address)

    def _pubsub(self, m: _Module, call: CallSite, root: str, last: str) -> None:
        names = self.names
        if root.endswith("PublisherClient") and last == "publish":
            topic = names.arg(call, m.id, 0, "topic")
            m.add(PRODUCER, "pubsub", _path_name(names, topic, "topics"), call, call.scope)
        elif root.endswith("SubscriberClient") and last == "subscribe":
            subscription = names.arg(call, m.id, 0, "subscription")
            m.add(CONSUMER, "pubsub", _path_name(names, subscription, "subscriptions"), call, call.scope)

    def _aws(self, m: _Module, call: CallSite, sym: Ext, service: str, kind: str) -> None:
        last = sym.last()
        calls = sym.calls()
        if service == "sqs":
            if kind == "client":
                queue = queue_name(m.text(call, None, "QueueUrl"))
            else:
                holder = next((s for n, s in reversed(calls) if n in ("Queue", "get_queue_by_name")), None)
                queue = queue_name(m.text(holder, 0, "url", "QueueName")) if holder else None
            if last in ("send_message", "send_message_batch", "send_messages"):
                m.add(PRODUCER, "sqs", queue, call, call.scope)
            elif last in ("receive_message", "receive_messages"):
                m.add(CONSUMER, "sqs", queue, call, call.scope)
        elif service == "sns" and last == "publish":
            if kind == "client":
                topic = queue_name(m.text(call, None, "TopicArn", "TargetArn"))
            else:
                holder = next((s for n, s in reversed(calls) if n == "Topic"), None)
                topic = queue_name(m.text(holder, 0, "arn")) if holder else None
            m.add(PRODUCER, "sns", topic, call, call.scope)
        elif service == "events" and last == "put_events":
            entries = self.names.arg(call, m.id, None, "Entries")
            buses = set()
            if isinstance(entries, Data) and entries.value[0] == "list":
                for entry in entries.value[1]:
                    if entry[0] == "dict":
                        bus = self.names.text(entries.module, entries.scope, entry[1].get("EventBusName"))
                        buses.add(queue_name(bus) or "default")
            for bus in sorted(buses) or ["default"]:
                m.add(PRODUCER, "eventbridge", bus, call, call.scope)
        elif service == "kinesis":
            stream = m.text(call, None, "StreamName") or queue_name(m.text(call, None, "StreamARN"))
            if last in ("put_record", "put_records"):
                m.add(PRODUCER, "kinesis", stream, call, call.scope)
            elif last in ("get_shard_iterator", "subscribe_to_shard"):
                m.add(CONSUMER, "kinesis", stream, call, call.scope)


def _decorator_call(calls: Iterable[CallSite], decorator: str, scope: str, line: int) -> CallSite | None:
    """The call a ``@decorator(...)`` makes just above a def."""
    best = None
    for call in calls:
        if call.func == decorator and call.scope == scope and call.line <= line and (best is None or call.line > best.line):
            best = call
    return best


def _methods(names: Names, call: CallSite, module_id: str) -> str | None:
    found = names.arg(call, module_id, None, "methods")
    if isinstance(found, Data) and found.value[0] == "list":
        texts = [names.text(found.module, found.scope, v) for v in found.value[1]]
        known = sorted({t.upper() for t in texts if t})
        return ",".join(known) or None
    return None


def _channel(names: Names, sym: Sym) -> str | None:
    """A topic, exchange or queue given as a name or as an object made from one
    (``Exchange("shop.events")``, ``app.topic("orders")``, ``channel.declare_exchange(...)``)."""
    if isinstance(sym, Text):
        return sym.template
    if isinstance(sym, Ext):
        for name, step in reversed(sym.calls()):
            if name in ("Exchange", "Queue", "topic", "Topic", "declare_exchange", "get_exchange", "declare_queue"):
                return names.arg_text(step, None, 0, "name")
    return None


def _texts(names: Names, sym: Sym, objects: tuple[str, ...] = ()) -> list[str]:
    """The strings of a list argument (or of one string): topics, queue names."""
    if isinstance(sym, Text):
        return [sym.template]
    if not isinstance(sym, Data) or sym.value[0] != "list":
        return []
    out = []
    for item in sym.value[1]:
        found = names.value(sym.module, sym.scope, item)
        if isinstance(found, Text):
            out.append(found.template)
        elif isinstance(found, Ext) and objects and found.root().rpartition(".")[2] in objects and found.steps:
            name = names.arg_text(found.steps[0], None, 0, "name")
            if name:
                out.append(name)
    return out


def _confluent_servers(names: Names, ctor: Step | None) -> str | None:
    config = names.arg(ctor, None, 0, "conf", "config") if ctor is not None else None
    if isinstance(config, Data) and config.value[0] == "dict":
        return names.text(config.module, config.scope, config.value[1].get("bootstrap.servers"))
    return None


def _path_name(names: Names, sym: Sym, kind: str) -> str | None:
    """A Pub/Sub topic or subscription: ``projects/p/topics/t`` or ``topic_path(p, t)``."""
    if isinstance(sym, Text):
        return sym.template.rpartition("/")[2] if f"/{kind}/" in sym.template else sym.template
    if isinstance(sym, Ext):
        for name, step in reversed(sym.calls()):
            if name in ("topic_path", "subscription_path"):
                return names.arg_text(step, None, 1)
    return None


__all__ = ["CLIENT", "SERVER", "PRODUCER", "CONSUMER", "CommRecognizer", "queue_name"]
