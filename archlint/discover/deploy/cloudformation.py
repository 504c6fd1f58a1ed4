"""AWS SAM and CloudFormation templates (YAML or JSON, any file name): Lambda functions
with their handler, code directory, layers, environment and triggering events.

CloudFormation's intrinsic functions are resolved as far as the template allows: ``!Ref
Queue`` and ``!GetAtt Queue.Arn`` give the queue's name when the template names it, ``!Sub``
substitutes what it can and leaves ``${AWS::Region}`` as it is. The serverless.yml reader
uses the same resolution for its ``resources:``.
"""

from __future__ import annotations

import re
from typing import Any

from archlint.discover.deploy.commands import handler_module
from archlint.discover.deploy.loader import Reader, items, join, line_of, mapping, parent
from archlint.discover.deploy.units import directory_unit, env_value
from archlint.model.findings import Location
from archlint.model.system import DeployUnit, Process

_MARKERS = ("AWSTemplateFormatVersion", "AWS::Serverless", "AWS::Lambda::Function")
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
_NAME_PROPERTIES = ("QueueName", "TableName", "TopicName", "BucketName", "FunctionName", "StreamName", "Name",
                    "LayerName", "StateMachineName", "EventBusName", "DBInstanceIdentifier", "ClusterName")
_SUB = re.compile(r"\$\{([A-Za-z0-9_:.]+)\}")


def looks_like_template(head: str) -> bool:
    return any(marker in head for marker in _MARKERS)


class Intrinsics:
    """Resolves CloudFormation intrinsic functions to strings where the template allows."""

    def __init__(self, resources: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
        self.resources = resources if isinstance(resources, dict) else {}
        self.parameters = parameters if isinstance(parameters, dict) else {}

    def name_of(self, logical_id: str, depth: int = 0) -> str:
        """What a resource or parameter is called: its name property, a parameter's default,
        or the logical id itself."""
        if logical_id in self.parameters:
            param = self.parameters[logical_id]
            default = param.get("Default") if isinstance(param, dict) else None
            return str(default) if default is not None else "${" + logical_id + "}"
        resource = self.resources.get(logical_id)
        props = resource.get("Properties") if isinstance(resource, dict) else None
        if isinstance(props, dict) and depth < 8:
            for key in _NAME_PROPERTIES:
                if key in props:
                    value = self.text(props[key], depth + 1)
                    if value:
                        return value
        return logical_id

    def text(self, value: Any, depth: int = 0) -> str | None:
        """A value as a string, intrinsic functions resolved; None when it has no string form."""
        if depth > 12:
            return None
        plain = env_value(value)
        if plain is not None:
            return plain
        if not isinstance(value, dict) or len(value) != 1:
            return None
        (key, arg), = value.items()
        if key == "Ref":
            return self.name_of(str(arg), depth) if not str(arg).startswith("AWS::") else "${" + str(arg) + "}"
        if key == "Fn::GetAtt":
            target = arg[0] if isinstance(arg, list) and arg else str(arg).split(".")[0]
            return self.name_of(str(target), depth)
        if key == "Fn::Sub":
            template, extra = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
            if not isinstance(template, str):
                return None
            extra = extra if isinstance(extra, dict) else {}

            def sub(match: re.Match[str]) -> str:
                name = match.group(1)
                if name in extra:
                    return self.text(extra[name], depth + 1) or match.group(0)
                if name.startswith("AWS::"):
                    return match.group(0)
                return self.name_of(name.split(".")[0], depth + 1)

            return _SUB.sub(sub, template)
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            parts = [self.text(v, depth + 1) for v in arg[1]]
            return str(arg[0]).join(p or "" for p in parts)
        if key == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
            return self.text(arg[1], depth + 1)
        if key == "Fn::ImportValue":
            inner = self.text(arg, depth + 1)
            return f"import:{inner}" if inner else None
        if key == "Fn::Select" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            try:
                return self.text(arg[1][int(arg[0])], depth + 1)
            except (ValueError, IndexError):
                return None
        return None

    def env(self, variables: Any) -> dict[str, str]:
        out = {}
        if isinstance(variables, dict):
            for key, value in variables.items():
                text = self.text(value)
                if text is not None:
                    out[str(key)] = text
        return out


def arn_name(text: str) -> str:
    """``arn:aws:sqs:eu-west-1:123:orders`` -> ``orders``; other text unchanged."""
    return text.rsplit(":", 1)[-1].rpartition("/")[2] if text.startswith("arn:") else text


def _event(kind: str, props: Any, intrinsics: Intrinsics) -> str:
    props = props if isinstance(props, dict) else {}

    def get(*keys: str) -> str:
        for key in keys:
            if key in props:
                return arn_name(intrinsics.text(props[key]) or "")
        return ""

    if kind in ("Api", "HttpApi"):
        return f"http {get('Method').upper() or 'ANY'} {get('Path') or '/'}"
    names = {"SQS": ("sqs", ("Queue",)), "SNS": ("sns", ("Topic",)), "Schedule": ("schedule", ("Schedule",)),
             "ScheduleV2": ("schedule", ("ScheduleExpression",)), "S3": ("s3", ("Bucket",)),
             "DynamoDB": ("stream", ("Stream",)), "Kinesis": ("stream", ("Stream",)),
             "EventBridgeRule": ("eventbridge", ("EventBusName",)), "CloudWatchEvent": ("eventbridge", ()),
             "MSK": ("kafka", ("Topics",)), "MQ": ("amqp", ("Queues",)), "SelfManagedKafka": ("kafka", ("Topics",))}
    label, keys = names.get(kind, (kind.lower(), ()))
    detail = get(*keys)
    return f"{label} {detail}".strip()


def _stack_name(reader: Reader, directory: str) -> str | None:
    for name in ("samconfig.toml", "samconfig.yaml", "samconfig.yml"):
        path = join(directory, name)
        if not path or not reader.exists(path):
            continue
        config = reader.toml(path) if name.endswith(".toml") else (reader.yaml(path) or [None])[0]
        if not isinstance(config, dict):
            continue
        for environment in config.values():
            if isinstance(environment, dict):
                deploy = environment.get("deploy") if isinstance(environment.get("deploy"), dict) else {}
                params = deploy.get("parameters") if isinstance(deploy.get("parameters"), dict) else {}
                if params.get("stack_name"):
                    return str(params["stack_name"])
    return None


def template_units(reader: Reader, path: str, doc: Any) -> list[DeployUnit]:
    """The Lambda functions of one template (none when it is not a template)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        return []
    resources = doc["Resources"]
    functions = [(lid, r) for lid, r in resources.items() if isinstance(r, dict) and r.get("Type") in FUNCTION_TYPES]
    if not functions:
        return []
    here = parent(path)
    sam = "AWS::Serverless" in str(doc.get("Transform", "")) or any(r.get("Type") == FUNCTION_TYPES[0] for _, r in functions)
    kind = "sam" if sam else "cloudformation"
    intrinsics = Intrinsics(resources, doc.get("Parameters"))
    globals_ = doc.get("Globals") if isinstance(doc.get("Globals"), dict) else {}
    defaults = globals_.get("Function") if isinstance(globals_.get("Function"), dict) else {}
    group = _stack_name(reader, here) or (here.rpartition("/")[2] if here != "." else None)
    units = []
    for logical_id, resource in functions:
        own = resource.get("Properties") if isinstance(resource.get("Properties"), dict) else {}
        props = {**defaults, **own}
        env = intrinsics.env(mapping(defaults.get("Environment")).get("Variables"))
        env.update(intrinsics.env(mapping(own.get("Environment")).get("Variables")))
        code = props.get("CodeUri") if sam and resource["Type"] == FUNCTION_TYPES[0] else props.get("Code")
        if isinstance(code, str) and code.endswith((".zip", ".jar")):
            code = parent(code) if "/" in code else "."  # a built archive: no source to read
        metadata = resource.get("Metadata") if isinstance(resource.get("Metadata"), dict) else {}
        if props.get("PackageType") == "Image" and metadata.get("DockerContext"):
            code = metadata["DockerContext"]
        base = join(here, code) if isinstance(code, str) and not code.startswith("s3://") else here
        base = base or here
        handler = intrinsics.text(props.get("Handler")) or ""
        command = handler_module(handler) if handler else None
        script = join(base, command.script) if command and command.script else None
        layers: dict[str, Location] = {}
        for layer in items(props.get("Layers")):
            ref = layer.get("Ref") if isinstance(layer, dict) else None
            target = resources.get(ref) if ref else None
            if isinstance(target, dict) and target.get("Type") in LAYER_TYPES:
                layer_props = target.get("Properties") if isinstance(target.get("Properties"), dict) else {}
                content = layer_props.get("ContentUri") or layer_props.get("Content")
                if isinstance(content, str) and not content.startswith("s3://"):
                    found = join(here, content)
                    if found:
                        layers.setdefault(found, Location(path, line_of(own, "Layers", 0) or line_of(defaults, "Layers", 0)
                                                          or line_of(resources, logical_id, 1), f"layer {ref}"))
        events = []
        for event in mapping(props.get("Events")).values():
            if isinstance(event, dict) and event.get("Type"):
                events.append(_event(str(event["Type"]), event.get("Properties"), intrinsics))
        where = Location(path, line_of(resources, logical_id, 1), f"{resource['Type']} {logical_id}")
        process = Process(
            logical_id,
            handler,
            command.module if command else None,
            Location(path, line_of(own, "Handler", where.line), f"{logical_id} handler"),
            script=script if script and reader.exists(script) else None,
        )
        units.append(
            directory_unit(
                reader, logical_id, kind, where, base, [process] if handler else [],
                environment=env,
                copies_from=dict(sorted(layers.items())),
                group=group,
                events=tuple(sorted(set(events))),
                runtime=intrinsics.text(props.get("Runtime")),
            )
        )
    return units
