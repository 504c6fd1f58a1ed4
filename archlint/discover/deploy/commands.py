"""Which Python module a command starts: ``gunicorn shop.wsgi:app``, ``celery -A shop.tasks
worker``, ``python -m app.consumer``, ``sh -c "python manage.py migrate && gunicorn ..."``.

Commands are read, never run. Wrappers (``exec``, ``tini --``, ``poetry run``,
``wait-for-it.sh db:5432 --``, ``opentelemetry-instrument``) are looked through; of a chain
of shell commands, the last one that starts Python code is the process.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

Argv = Sequence[str]


@dataclass(frozen=True, slots=True)
class Command:
    """What a command runs: ``module`` (dotted, as written) and / or ``script`` (a path as
    written, relative to the working directory); ``cwd`` when the runner changes directory
    first (``gunicorn --chdir src``); ``wrapper`` a shell script that runs the real command
    (its text may tell more)."""

    program: str = ""
    module: str | None = None
    script: str | None = None
    cwd: str | None = None
    wrapper: str | None = None
    alternatives: tuple[str, ...] = ()  # scripts tried in turn when ``script`` is not there

    @property
    def known(self) -> bool:
        return bool(self.module or self.script)


def command_text(command: str | Argv) -> str:
    """A command as a user would type it (exec-form lists joined with shell quoting)."""
    if isinstance(command, str):
        return " ".join(command.split())
    return shlex.join(str(part) for part in command)


def split(command: str | Argv) -> list[str]:
    if not isinstance(command, str):
        return [str(part) for part in command]
    try:
        return shlex.split(command, comments=True)
    except ValueError:  # an unbalanced quote: still better than nothing
        return command.split()


_SEPARATORS = {"&&", "||", ";", "|", "&"}
_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}


def _segments(argv: list[str]) -> list[list[str]]:
    """Split a command at shell separators, looking into ``sh -c "..."``."""
    if argv and _base(argv[0]) in _SHELLS:
        for i, token in enumerate(argv[1:], 1):
            if token.startswith("-") and not token.startswith("--") and "c" in token[1:] and i + 1 < len(argv):
                return _segments(split(argv[i + 1]))
    out: list[list[str]] = [[]]
    for token in argv:
        stripped = token.rstrip(";")
        if token in _SEPARATORS:
            out.append([])
            continue
        if stripped:
            out[-1].append(stripped)
        if stripped != token:
            out.append([])
    return [seg for seg in out if seg]


def parse(command: str | Argv, env: Mapping[str, str] | None = None) -> Command:
    """What ``command`` starts; ``env`` supplies FLASK_APP / DJANGO_SETTINGS_MODULE."""
    env = dict(env or {})
    found = Command()
    for segment in _segments(split(command)):
        cmd = _parse_segment(segment, env)
        if cmd.known or (cmd.wrapper and not found.known):
            found = cmd
        elif not found.program:
            found = cmd
    return found


def _base(token: str) -> str:
    return token.rstrip("/").rpartition("/")[2]


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PYTHON = re.compile(r"^(python|pypy)(\d+(\.\d+)*)?[mw]?$")


def _parse_segment(argv: list[str], env: dict[str, str]) -> Command:
    i = 0
    while i < len(argv):
        token = argv[i]
        base = _base(token)
        nxt = argv[i + 1] if i + 1 < len(argv) else ""
        if _ASSIGNMENT.match(token):
            key, _, value = token.partition("=")
            env[key] = value
            i += 1
        elif base in ("exec", "nohup", "time", "command", "env", "xargs"):
            i += 1
            while i < len(argv) and argv[i].startswith("-"):
                i += 1
        elif base in ("tini", "dumb-init", "catatonit", "tini-static"):
            i += 1
            while i < len(argv) and argv[i].startswith("-"):
                i += 1
        elif base in ("gosu", "su-exec", "setpriv", "chpst"):
            i += 2
        elif base in ("poetry", "pipenv", "pdm", "hatch", "rye", "uv", "doppler", "pixi", "conda") and nxt == "run":
            i = _skip_options(argv, i + 2)
        elif base in ("ddtrace-run", "opentelemetry-instrument", "scalene", "py-spy"):
            i = _skip_options(argv, i + 1)
        elif base == "newrelic-admin":
            i += 2
        elif "wait-for" in base or base == "dockerize":
            rest = argv[i + 1 :]
            if "--" not in rest:
                return Command(program=base)
            i += 2 + rest.index("--")
        elif base.endswith(".sh") or base.endswith(".bash"):
            # An entrypoint script usually ends in `exec "$@"`: what follows it is the command.
            inner = _parse_segment(argv[i + 1 :], env) if i + 1 < len(argv) else Command()
            return inner if inner.known or inner.wrapper else Command(program=base, wrapper=token)
        else:
            break
    if i >= len(argv):
        return Command()
    program = _base(argv[i])
    handler = _runner_name(program)
    if handler is None:
        if program.endswith(".py"):  # an executable script: ./manage.py runserver
            return Command(program=program, module="manage" if program == "manage.py" else None, script=argv[i])
        return Command(program=program)
    found = RUNNERS[handler](argv[i + 1 :], env)
    return found if found.program else replace(found, program=handler)


def _skip_options(argv: list[str], i: int) -> int:
    """Past a wrapper's own options: flags, and a value when the token after it is the
    program (``--traces_exporter console uvicorn``)."""
    while i < len(argv) and argv[i].startswith("-"):
        i += 1
        if (i + 1 < len(argv) and not argv[i].startswith("-") and _runner_name(_base(argv[i])) is None
                and _runner_name(_base(argv[i + 1]))):
            i += 1
    return i


def _runner_name(program: str) -> str | None:
    if _PYTHON.match(program):
        return "python"
    name = (program[:-3] if program.endswith(".py") else program).replace("_", "-")
    return name if name in RUNNERS and name != "python" else None


# --- argument helpers ----------------------------------------------------------------------


def _options(args: Argv, takes_value: frozenset[str]) -> tuple[list[str], dict[str, str]]:
    """Positional arguments and options (``--bind 0.0.0.0:80``, ``--bind=...``, ``-w4``)."""
    positional: list[str] = []
    options: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            positional += args[i + 1 :]
            break
        if arg.startswith("-") and len(arg) > 1 and not arg[1:2].isdigit():
            if "=" in arg:
                key, _, value = arg.partition("=")
                options[key] = value
            elif arg in takes_value:
                options[arg] = args[i + 1] if i + 1 < len(args) else ""
                i += 1
            elif not arg.startswith("--") and arg[:2] in takes_value and len(arg) > 2:
                options[arg[:2]] = arg[2:]
            else:
                options[arg] = ""
        else:
            positional.append(arg)
        i += 1
    return positional, options


def _dotted(name: str) -> bool:
    return bool(name) and all(part.isidentifier() for part in name.split("."))


def spec(token: str) -> Command:
    """``pkg.mod:app`` / ``pkg.mod:create_app()`` / ``app.py`` / ``pkg.mod``."""
    head = token.split(":", 1)[0].strip()
    if head.endswith(".py"):
        return Command(script=head)
    if _dotted(head):
        return Command(module=head)
    return Command()


def _attribute_spec(token: str) -> Command:
    """``module.attribute`` (huey, arq, sanic without a colon): the module is all but the
    last component."""
    if ":" in token:
        return spec(token)
    head = token.rpartition(".")[0]
    return Command(module=head) if _dotted(head) else spec(token)


def _first(args: Argv, takes_value: frozenset[str], parse_spec: Callable[[str], Command] = spec,
           cwd_option: tuple[str, ...] = ()) -> Command:
    positional, options = _options(args, takes_value)
    found = parse_spec(positional[0]) if positional else Command()
    cwd = next((options[o] for o in cwd_option if options.get(o)), None)
    return replace(found, cwd=cwd) if cwd else found


def _values(*names: str) -> frozenset[str]:
    return frozenset(names)


_GUNICORN = _values(
    "-b", "--bind", "-w", "--workers", "-k", "--worker-class", "-c", "--config", "--chdir", "--pythonpath",
    "-t", "--timeout", "--threads", "--log-level", "--access-logfile", "--error-logfile", "--log-file",
    "-e", "--env", "-n", "--name", "-p", "--pid", "-u", "--user", "-g", "--group", "--max-requests",
    "--max-requests-jitter", "--graceful-timeout", "--keep-alive", "--worker-connections",
    "--forwarded-allow-ips", "--log-config", "--statsd-host", "--backlog", "--worker-tmp-dir",
    "--certfile", "--keyfile", "--limit-request-line", "--access-logformat", "-m", "--umask", "--paste",
    "--log-syslog-to", "--statsd-prefix", "--proxy-allow-from", "--ca-certs", "--ssl-version",
)
_UVICORN = _values(
    "--host", "--port", "--uds", "--fd", "--workers", "--loop", "--http", "--ws", "--ws-max-size",
    "--lifespan", "--interface", "--env-file", "--log-config", "--log-level", "--root-path",
    "--limit-concurrency", "--limit-max-requests", "--backlog", "--timeout-keep-alive", "--ssl-keyfile",
    "--ssl-certfile", "--ssl-keyfile-password", "--ssl-version", "--ssl-cert-reqs", "--ssl-ca-certs",
    "--ssl-ciphers", "--header", "--forwarded-allow-ips", "--app-dir", "--reload-dir", "--reload-include",
    "--reload-exclude", "--reload-delay", "--h11-max-incomplete-event-size", "--timeout-graceful-shutdown",
    "--ws-ping-interval", "--ws-ping-timeout", "--ws-per-message-deflate",
)
_HYPERCORN = _values(
    "-b", "--bind", "-w", "--workers", "-k", "--worker-class", "-c", "--config", "--root-path",
    "--log-level", "--access-logfile", "--error-logfile", "--certfile", "--keyfile", "--graceful-timeout",
    "--keep-alive", "--backlog", "--insecure-bind", "--quic-bind", "--access-logformat", "-u", "--user",
    "-g", "--group", "-p", "--pid", "--statsd-host", "--umask",
)
_DAPHNE = _values(
    "-b", "--bind", "-p", "--port", "-u", "--unix-socket", "--fd", "-e", "--endpoint", "-v", "--verbosity",
    "--access-log", "--root-path", "-t", "--http-timeout", "--websocket_timeout", "--websocket_connect_timeout",
    "--application-close-timeout", "--ping-interval", "--ping-timeout", "--proxy-headers-host",
    "--proxy-headers-port", "--server-name",
)
_GRANIAN = _values(
    "--interface", "--host", "--port", "--workers", "--threads", "--blocking-threads", "--loop", "--http",
    "--ws", "--backlog", "--log-level", "--log-config", "--ssl-keyfile", "--ssl-certificate", "--url-path-prefix",
    "--respawn-interval", "--reload-paths", "--reload-ignore-dirs", "--pid-file", "--working-dir",
    "--runtime-threads", "--runtime-mode", "--task-impl", "--backpressure", "--workers-lifetime",
)
_WAITRESS = _values(
    "--port", "--host", "--listen", "--threads", "--url-scheme", "--url-prefix", "--ident", "--unix-socket",
    "--unix-socket-perms", "--backlog", "--recv-bytes", "--send-bytes", "--outbuf-overflow", "--channel-timeout",
    "--connection-limit", "--cleanup-interval", "--trusted-proxy", "--trusted-proxy-count",
    "--trusted-proxy-headers",
)
_CELERY = _values(
    "-A", "--app", "-b", "--broker", "--result-backend", "--loader", "--config", "--workdir", "-l",
    "--loglevel", "-c", "--concurrency", "-Q", "--queues", "-n", "--hostname", "-P", "--pool", "-s",
    "--schedule", "--pidfile", "--logfile", "-S", "--scheduler", "-E", "--max-tasks-per-child",
    "--autoscale", "-X", "--exclude-queues", "--prefetch-multiplier", "--max-memory-per-child", "-O",
    "--time-limit", "--soft-time-limit", "--uid", "--gid", "--port", "--address", "--url-prefix",
    "--broker-api", "--basic-auth", "--persistent", "--db",
)
_DRAMATIQ = _values(
    "-p", "--processes", "-t", "--threads", "--path", "-P", "-Q", "--queues", "--pid-file", "--log-file",
    "--watch", "--worker-shutdown-timeout", "-f", "--fork-function",
)
_HUEY = _values("-w", "--workers", "-k", "--worker-type", "-d", "--delay", "-m", "--max-delay", "-b",
                "--backoff", "-l", "--logfile", "-s", "--scheduler-interval")
_NAMEKO = _values("--config", "--broker", "--backdoor-port")
_FLASK = _values("-A", "--app", "-e", "--env-file", "-h", "--host", "-p", "--port", "--cert", "--key",
                 "--extra-files", "--exclude-patterns")
_SCRIPT_RUNNERS = _values("--server.port", "--server.address", "--port", "--host", "--address")
_PYTHON_VALUE = _values("-W", "-X", "--check-hash-based-pycs")


def _python(args: Argv, env: Mapping[str, str]) -> Command:
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-m" or (arg.startswith("-m") and len(arg) > 2 and not arg.startswith("--")):
            module = args[i + 1] if arg == "-m" and i + 1 < len(args) else arg[2:]
            rest = args[i + 2 :] if arg == "-m" else args[i + 1 :]
            runner = _runner_name(module)
            if runner and runner != "python":
                return replace(RUNNERS[runner](rest, env), program=runner)
            return Command(module=module if _dotted(module) else None)
        if arg == "-c":
            return Command()
        if arg in _PYTHON_VALUE:
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        script = arg
        if _base(script) == "manage.py":
            return Command(module="manage", script=script)
        return Command(script=script) if script.endswith(".py") or "/" in script else Command(module=script if _dotted(script) else None)
    return Command()


def _celery(args: Argv, env: Mapping[str, str]) -> Command:
    _, options = _options(args, _CELERY)
    app = options.get("-A") or options.get("--app") or env.get("CELERY_APP", "")
    found = spec(app) if app else Command()
    workdir = options.get("--workdir")
    return replace(found, cwd=workdir) if workdir else found


def _faust(args: Argv, env: Mapping[str, str]) -> Command:
    _, options = _options(args, _values("-A", "--app", "--datadir", "-l", "--loglevel", "-p", "--web-port"))
    app = options.get("-A") or options.get("--app") or ""
    return spec(app) if app else Command()


def _flask(args: Argv, env: Mapping[str, str]) -> Command:
    _, options = _options(args, _FLASK)
    app = options.get("--app") or options.get("-A") or env.get("FLASK_APP", "")
    return spec(app) if app else Command()


def _django_admin(args: Argv, env: Mapping[str, str]) -> Command:
    _, options = _options(args, _values("--settings", "--pythonpath"))
    settings = options.get("--settings") or env.get("DJANGO_SETTINGS_MODULE", "")
    return Command(module=settings) if _dotted(settings) else Command()


def _uwsgi(args: Argv, env: Mapping[str, str]) -> Command:
    options: dict[str, str] = {}
    key = ""
    for arg in args:
        if arg.startswith("-"):
            key, _, value = arg.partition("=")
            options[key] = value
            if value:
                key = ""
        elif key:
            options[key] = arg
            key = ""
    module = options.get("--module") or options.get("-w") or options.get("--wsgi") or options.get("--callable-module")
    mount = options.get("--mount", "")
    if not module and "=" in mount:
        module = mount.partition("=")[2]
    script = options.get("--wsgi-file") or options.get("--file")
    cwd = options.get("--chdir")
    config = options.get("--ini") or next((a for a in args if a.endswith(".ini") and not a.startswith("-")), None)
    if not module and not script and config:
        return Command(wrapper=config)  # the ini file says what runs
    found = spec(module) if module else Command(script=script) if script else Command()
    return replace(found, cwd=cwd) if cwd else found


def _nameko(args: Argv, env: Mapping[str, str]) -> Command:
    positional, _ = _options(args, _NAMEKO)
    return spec(positional[1]) if len(positional) > 1 and positional[0] == "run" else Command()


def _script_runner(args: Argv, env: Mapping[str, str]) -> Command:
    """streamlit run app.py, panel serve app.py, fastapi run app/main.py, ..."""
    positional, _ = _options(args, _SCRIPT_RUNNERS)
    for token in positional:
        if token.endswith(".py"):
            return Command(script=token)
    return Command()


# Where `fastapi run` looks when it is given no path (fastapi-cli's default discovery).
_FASTAPI_DEFAULTS = ("main.py", "app.py", "api.py", "app/main.py", "app/app.py", "app/api.py")


def _fastapi(args: Argv, env: Mapping[str, str]) -> Command:
    found = _script_runner(args, env)
    return found if found.known else Command(script=_FASTAPI_DEFAULTS[0], alternatives=_FASTAPI_DEFAULTS[1:])


def _functions_framework(args: Argv, env: Mapping[str, str]) -> Command:
    _, options = _options(args, _values("--target", "--source", "--signature-type", "--port", "--host"))
    source = options.get("--source") or env.get("FUNCTION_SOURCE") or "main.py"
    module = source[:-3].replace("/", ".") if source.endswith(".py") else None
    return Command(module=module if module and _dotted(module) else None, script=source)


def _plain(parse_spec: Callable[[str], Command], takes_value: frozenset[str],
           cwd_option: tuple[str, ...] = ()) -> Callable[[Argv, Mapping[str, str]], Command]:
    return lambda args, env: _first(args, takes_value, parse_spec, cwd_option)


def _dramatiq(args: Argv, env: Mapping[str, str]) -> Command:
    positional, options = _options(args, _DRAMATIQ)
    found = spec(positional[0]) if positional else Command()
    path = options.get("--path") or options.get("-P")
    return replace(found, cwd=path) if path else found


RUNNERS: dict[str, Callable[[Argv, Mapping[str, str]], Command]] = {
    "python": _python,
    "gunicorn": _plain(spec, _GUNICORN, ("--chdir",)),
    "uvicorn": _plain(spec, _UVICORN, ("--app-dir",)),
    "hypercorn": _plain(spec, _HYPERCORN),
    "daphne": _plain(spec, _DAPHNE),
    "granian": _plain(spec, _GRANIAN, ("--working-dir",)),
    "waitress-serve": _plain(spec, _WAITRESS),
    "waitress": _plain(spec, _WAITRESS),
    "uwsgi": _uwsgi,
    "celery": _celery,
    "faust": _faust,
    "dramatiq": _dramatiq,
    "huey-consumer": _plain(_attribute_spec, _HUEY),
    "arq": _plain(_attribute_spec, _values("--watch", "--custom-log-dict")),
    "sanic": _plain(_attribute_spec, _values("-H", "--host", "-p", "--port", "-w", "--workers", "-u", "--unix")),
    "nameko": _nameko,
    "flask": _flask,
    "django-admin": _django_admin,
    "django": _django_admin,
    "streamlit": _script_runner,
    "panel": _script_runner,
    "bokeh": _script_runner,
    "gradio": _script_runner,
    "chainlit": _script_runner,
    "solara": _script_runner,
    "fastapi": _fastapi,
    "functions-framework": _functions_framework,
}


def handler_module(handler: str) -> Command:
    """A Lambda-style handler ``dir/file.func`` / ``pkg.mod.func`` -> its module and file."""
    path, _, func = handler.strip().rpartition(".")
    if not path or not func:
        return Command()
    module = path.replace("/", ".")
    script = path + ".py" if "/" in path else path.replace(".", "/") + ".py"
    return Command(module=module if _dotted(module) else None, script=script)
