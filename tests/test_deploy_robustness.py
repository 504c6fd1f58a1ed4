"""Deploy files of any shape: the readers never raise and never hit an internal error,
whatever a file holds where a mapping, a list or a string is expected. Documents are real
skeletons (a compose service, a Deployment, a function) with arbitrary values inside."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml
from conftest import discover, write_tree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TEXT = st.sampled_from(["", "x", "a:b", "${A:-b}", "$(X)", "python -m app", "../up", "/abs", "app.main:app",
                        "handlers/a.b", "!Ref", "AWS::Region", "orders", "8000", "a=b", "sh -c 'x && y'"])
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), TEXT)


def values(keys: list[str]) -> st.SearchStrategy:
    return st.recursive(
        SCALAR,
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(keys), inner, max_size=4)),
        max_leaves=12,
    )


def mapping(keys: list[str], inner: list[str] | None = None) -> st.SearchStrategy:
    return st.dictionaries(st.sampled_from(keys), values(inner or keys), max_size=len(keys))


SERVICE = ["build", "context", "dockerfile", "target", "dockerfile_inline", "image", "command", "entrypoint",
           "environment", "env_file", "depends_on", "links", "profiles", "volumes", "networks", "aliases", "extends",
           "service", "file", "path", "required", "working_dir", "hostname", "container_name", "type", "source"]
CONTAINER = ["name", "image", "command", "args", "env", "envFrom", "value", "valueFrom", "configMapKeyRef",
             "secretKeyRef", "configMapRef", "secretRef", "key", "prefix", "workingDir"]
FUNCTION = ["handler", "runtime", "events", "environment", "module", "image", "http", "httpApi", "sqs", "arn",
            "path", "method", "schedule", "sns", "topicName", "Ref", "Fn::GetAtt", "Fn::Sub"]
PROPERTIES = ["Handler", "CodeUri", "Code", "Runtime", "Layers", "Events", "Environment", "Variables", "Type",
              "Properties", "Queue", "Path", "Method", "Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::If",
              "ContentUri", "PackageType", "QueueName", "TableName", "ZipFile"]

COMPOSE = st.fixed_dictionaries(
    {"services": st.dictionaries(st.sampled_from(["web", "worker", "db"]), mapping(SERVICE), max_size=3)},
    optional={"include": values(["path"]), "version": TEXT},
)
DEPLOYMENT = st.builds(
    lambda kind, name, containers, extra: {
        "apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name},
        "spec": {"serviceName": extra, "template": {"metadata": {"labels": {"app": name}},
                                                    "spec": {"containers": containers}}}},
    st.sampled_from(["Deployment", "StatefulSet", "Job"]), st.sampled_from(["api", "db"]),
    st.lists(mapping(CONTAINER), max_size=3), SCALAR,
)
CONFIG = st.builds(lambda kind, data: {"apiVersion": "v1", "kind": kind, "metadata": {"name": "api-config"},
                                       "data": data, "stringData": data, "spec": {"selector": data}},
                   st.sampled_from(["ConfigMap", "Secret", "Service"]), values(["A", "B"]))
SERVERLESS = st.fixed_dictionaries(
    {"service": SCALAR, "functions": st.dictionaries(st.sampled_from(["a", "b"]), mapping(FUNCTION), max_size=2)},
    optional={"provider": mapping(["runtime", "stage", "environment", "region"]), "custom": values(["wsgi", "app"]),
              "resources": values(["Resources", "Type", "Properties", "QueueName"])},
)
TEMPLATE = st.fixed_dictionaries({
    "AWSTemplateFormatVersion": st.just("2010-09-09"),
    "Resources": st.dictionaries(
        st.sampled_from(["Fn", "Layer", "Queue"]),
        st.fixed_dictionaries({"Type": st.sampled_from(["AWS::Serverless::Function", "AWS::Lambda::Function",
                                                        "AWS::Serverless::LayerVersion", "AWS::SQS::Queue"]),
                               "Properties": mapping(PROPERTIES)}),
        max_size=3),
}, optional={"Globals": values(["Function", "Runtime", "Environment", "Variables"]), "Parameters": values(["Stage", "Default"])})
FILES = st.one_of(
    st.tuples(st.just("docker-compose.yml"), COMPOSE),
    st.tuples(st.just("k8s/app.yaml"), st.lists(st.one_of(DEPLOYMENT, CONFIG), min_size=1, max_size=3)),
    st.tuples(st.just("serverless.yml"), SERVERLESS),
    st.tuples(st.just("template.yaml"), TEMPLATE),
    st.tuples(st.just("stack.json"), TEMPLATE),
    st.tuples(st.just("fn/function.json"), mapping(["scriptFile", "entryPoint", "bindings", "type", "direction"])),
    st.tuples(st.just(".chalice/config.json"), mapping(["app_name", "environment_variables", "stages"])),
    st.tuples(st.just("skaffold.yaml"), st.builds(lambda b: {"apiVersion": "skaffold/v4", "kind": "Config", "build": b},
                                                  values(["artifacts", "image", "context", "docker", "dockerfile"]))),
    st.tuples(st.just("cloudbuild.yaml"), values(["steps", "args", "name"])),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FILES, min_size=1, max_size=4))
def test_any_document_shape_is_read_without_internal_errors(documents):
    with tempfile.TemporaryDirectory() as tmp:
        files: dict[str, str] = {"host.json": "{}", "app/__init__.py": "", "app/main.py": "",
                                 "Dockerfile": "FROM python:3.12\nCOPY app /srv/app\nCMD uvicorn app.main:app\n"}
        for name, doc in documents:
            if name.endswith(".json"):
                files[name] = json.dumps(doc)
            elif isinstance(doc, list):
                files[name] = yaml.safe_dump_all(doc)
            else:
                files[name] = yaml.safe_dump(doc)
        scan = discover(write_tree(Path(tmp) / "repo", files))
        assert [f.message for f in scan.findings if f.rule == "AL004"] == []
