"""Function platforms and project scripts: serverless.yml, SAM / CloudFormation, Chalice,
Azure Functions, Google Cloud Functions, App Engine, console scripts."""

from __future__ import annotations

import json

from conftest import discover, scan_in_process, units_by_name

from archlint.model.findings import Location


def test_serverless_yml_functions_events_variables_and_wsgi(tree):
    root = tree({
        "api/handlers.py": "def create(event, context): ...\n",
        "site/app.py": "app = None\n",
        "serverless.yml": """\
            service: shop
            provider:
              name: aws
              runtime: python3.11
              stage: ${opt:stage, 'staging'}
              environment:
                TABLE: ${self:service}-orders-${sls:stage}
                QUEUE_URL: {Ref: JobsQueue}
                TOPIC: !Ref Events
            functions:
              create:
                handler: api/handlers.create
                runtime: python3.12
                environment:
                  MODE: strict
                events:
                  - http: {path: /orders, method: post}
                  - sqs: {arn: !GetAtt JobsQueue.Arn}
                  - sns: arn:aws:sns:eu-west-1:123:alerts
                  - schedule: rate(5 minutes)
              site:
                handler: wsgi_handler.handler
                events: [{httpApi: "*"}]
            custom:
              wsgi: {app: site/app.app}
            resources:
              Resources:
                JobsQueue:
                  Type: AWS::SQS::Queue
                  Properties: {QueueName: "${self:service}-jobs"}
                Events:
                  Type: AWS::SNS::Topic
        """,
    })
    units = units_by_name(discover(root))
    create = units["create"]
    assert (create.kind, create.group, create.runtime, create.root) == ("serverless", "shop", "python3.12", ".")
    assert create.environment == {"TABLE": "shop-orders-staging", "QUEUE_URL": "shop-jobs", "TOPIC": "Events",
                                  "MODE": "strict"}
    assert create.events == ("http POST /orders", "schedule rate(5 minutes)", "sns alerts", "sqs shop-jobs")
    (process,) = create.processes
    assert (process.command, process.module, process.script) == ("api/handlers.create", "api.handlers", "api/handlers.py")
    assert (create.where.line, process.where.line) == (11, 12)
    site = units["site"]
    assert (site.processes[0].module, site.processes[0].script) == ("site.app", "site/app.py")
    assert site.runtime == "python3.11" and site.events == ("http ANY *",)


SAM = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Env: {Type: String, Default: prod}
Globals:
  Function:
    Runtime: python3.12
    Environment:
      Variables:
        TABLE: !Ref Table
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello_world/
      Handler: app.lambda_handler
      Layers: [!Ref Shared]
      Environment:
        Variables:
          BUCKET: !Sub "uploads-${Env}-${AWS::AccountId}"
      Events:
        Hello: {Type: Api, Properties: {Path: /hello, Method: get}}
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layers/shared/}
  Table:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: !Join ["-", [hello, !Ref Env]]}
  Jobs:
    Type: AWS::SQS::Queue
"""


def test_sam_template_with_globals_layers_and_intrinsics(tree):
    root = tree({
        "hello_world/app.py": "def lambda_handler(event, context): ...\n",
        "hello_world/requirements.txt": "",
        "layers/shared/python/shared/__init__.py": "",
        "template.yaml": SAM,
    })
    scan = discover(root)
    hello = units_by_name(scan)["HelloFunction"]
    assert (hello.kind, hello.root, hello.runtime) == ("sam", "hello_world", "python3.12")
    assert hello.copies_from == {"layers/shared": Location("template.yaml", 17, "layer Shared")}
    assert hello.environment == {"TABLE": "hello-prod", "BUCKET": "uploads-prod-${AWS::AccountId}"}
    assert hello.events == ("http GET /hello", "sqs Jobs")
    assert (hello.processes[0].module, hello.processes[0].script) == ("app", "hello_world/app.py")
    assert scan.import_roots == ("hello_world", "layers/shared/python")


def test_a_layer_s_loose_module_is_its_functions_code_and_their_handlers_are_entrypoints(tree):
    """aws-serverless-shopping-cart: `from shared import ...` of the layer's shared.py was a
    third-party import, and its handlers, wrapped by powertools, were no entrypoints."""
    root = tree({
        "hello_world/app.py": (
            "from aws_lambda_powertools import Logger\nfrom shared import handle\n\nlogger = Logger()\n\n\n"
            "@logger.inject_lambda_context\ndef lambda_handler(evt, ctx):\n    return handle(evt)\n"
        ),
        "layers/shared/shared.py": "def handle(event):\n    return event\n",
        "tools/report.py": "import shared\n",  # no function carries the layer: not its code
        "template.yaml": SAM.replace("layers/shared/}", "layers/shared/}\n  Unused:\n    Type: AWS::SQS::Queue"),
    })
    scan = discover(root)
    assert scan.layers == {"hello_world": ("layers/shared",)}
    report = scan_in_process(root)
    assert ("app", "shared", "import") in {(d["source"], d["target"], d["kind"]) for d in report["dependencies"]}
    assert ("app", "shared", "call") in {(d["source"], d["target"], d["kind"]) for d in report["dependencies"]}
    assert {e["name"]: e["imported_by"] for e in report["external"]}["shared"] == ["tools.report"]
    assert [(e["module"], e["kind"], e["name"], e["line"]) for e in report["entrypoints"]] == [
        ("app", "lambda", "lambda_handler", 8)]


def test_cloudformation_json_template_under_any_name(tree):
    template = {
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function",
                   "Properties": {"Handler": "jobs/nightly.run", "Runtime": "python3.11", "Code": "../src"}},
            "Inline": {"Type": "AWS::Lambda::Function",
                       "Properties": {"Handler": "index.handler", "Code": {"ZipFile": "def handler(e, c): pass"}}},
        }
    }
    root = tree({"src/jobs/nightly.py": "def run(e, c): ...\n", "infra/stack.json": json.dumps(template, indent=1),
                 "data/big.json": json.dumps({"rows": list(range(1000))})})
    units = units_by_name(discover(root))
    assert units["Fn"].kind == "cloudformation"
    assert (units["Fn"].root, units["Fn"].processes[0].script) == ("src", "src/jobs/nightly.py")
    assert units["Inline"].root == "infra" and units["Inline"].processes[0].script is None
    assert set(units) == {"Fn", "Inline"}


def test_chalice_azure_gcloud_and_app_engine(tree):
    root = tree({
        "chalice-app/app.py": "from chalice import Chalice\napp = Chalice(app_name='todo')\n",
        "chalice-app/.chalice/config.json": json.dumps({
            "version": "2.0", "app_name": "todo", "environment_variables": {"TABLE": "todos"},
            "stages": {"dev": {"environment_variables": {"STAGE": "dev"}}},
        }),
        "azfunc/host.json": '{"version": "2.0"}',
        "azfunc/local.settings.json": json.dumps({"Values": {"QUEUE": "orders"}}),
        "azfunc/HttpHello/__init__.py": "def main(req): ...\n",
        "azfunc/HttpHello/function.json": json.dumps({"bindings": [
            {"type": "httpTrigger", "direction": "in", "route": "hello"}, {"type": "http", "direction": "out"}]}),
        "azfunc/OnQueue/function.json": json.dumps({"scriptFile": "../shared/queue.py", "entryPoint": "consume",
                                                     "bindings": [{"type": "queueTrigger", "direction": "in", "queueName": "orders"}]}),
        "azfunc/shared/queue.py": "def consume(msg): ...\n",
        "azv2/host.json": "{}",
        "azv2/function_app.py": "import azure.functions as func\napp = func.FunctionApp()\n",
        "gcf/main.py": "def hello(request): ...\n",
        "cloudbuild.yaml": """\
            steps:
              - name: gcr.io/google.com/cloudsdktool/cloud-sdk
                args: [gcloud, functions, deploy, hello, --runtime=python312, --trigger-http, --entry-point=hello, --source=gcf]
        """,
        "deploy.sh": "#!/bin/sh\ngcloud functions deploy on-upload \\\n  --source gcf --trigger-bucket uploads --runtime python312\n",
        "gae/app.yaml": "runtime: python312\nservice: admin\nentrypoint: gunicorn -b :$PORT admin.main:app\n",
        "gae/admin/__init__.py": "",
        "gae/admin/main.py": "",
        "other/app.yaml": "runtime: nodejs20\n",
    })
    units = units_by_name(discover(root))
    todo = units["todo"]
    assert (todo.kind, todo.root, todo.environment) == ("chalice", "chalice-app", {"TABLE": "todos", "STAGE": "dev"})
    hello = units["HttpHello"]
    assert (hello.kind, hello.root, hello.events, hello.environment) == ("azure-functions", "azfunc", ("http hello",), {"QUEUE": "orders"})
    assert (hello.processes[0].module, hello.processes[0].script) == ("HttpHello", "azfunc/HttpHello/__init__.py")
    assert units["OnQueue"].processes[0].module == "shared.queue" and units["OnQueue"].events == ("azure-queue orders",)
    assert units["azv2"].processes[0].module == "function_app"
    gcf = units["hello"]
    assert (gcf.kind, gcf.root, gcf.events, gcf.runtime) == ("gcp-functions", "gcf", ("http ANY /",), "python312")
    assert gcf.processes[0].script == "gcf/main.py"
    assert units["on-upload"].events == ("storage uploads",) and units["on-upload"].where.line == 2
    admin = units["admin"]
    assert (admin.kind, admin.processes[0].module, admin.processes[0].script) == ("appengine", "admin.main", "gae/admin/main.py")
    assert not any(u.where.path == "other/app.yaml" for u in units.values())


def test_console_scripts_of_sub_projects(tree):
    root = tree({
        "tools/cli/pyproject.toml": """\
            [project]
            name = "acme-cli"
            [project.scripts]
            acme = "acme_cli.main:run"
            acme-admin = "acme_cli.admin:main"
        """,
        "tools/cli/src/acme_cli/__init__.py": "",
        "tools/cli/src/acme_cli/main.py": "",
        "svc/setup.cfg": "[metadata]\nname = svc\n[options.entry_points]\nconsole_scripts =\n    svc-run = svc.run:main\n",
        "legacy/setup.py": "from setuptools import setup\nsetup(name='legacy', entry_points={'console_scripts': ['legacy-sync = legacy.sync:main', \"x=y\"]})\n",
        "poetry/pyproject.toml": '[tool.poetry]\nname = "p"\n[tool.poetry.scripts]\np-run = "p.cli:run"\np-ext = {callable = "p.ext:go"}\n',
        "bad/pyproject.toml": "[project\nname = 1\n",
    })
    scan = discover(root)
    units = units_by_name(scan)
    cli = units["acme-cli"]
    assert cli.kind == "console-scripts" and cli.root == "tools/cli"
    assert [(p.name, p.module, p.script, p.where.line) for p in cli.processes] == [
        ("acme", "acme_cli.main", "tools/cli/src/acme_cli/main.py", 4),
        ("acme-admin", "acme_cli.admin", None, 5),
    ]
    assert [p.module for p in units["svc"].processes] == ["svc.run"]
    assert [(p.name, p.module) for p in units["legacy"].processes] == [("legacy-sync", "legacy.sync"), ("x", "y")]
    assert [p.module for p in units["p"].processes] == ["p.cli", "p.ext"]
    assert [(f.rule, f.path) for f in scan.findings] == [("AL006", "bad/pyproject.toml")]


def test_broken_serverless_and_template_files_are_findings(tree):
    root = tree({
        "serverless.yml": "service: x\nfunctions:\n  a:\n    handler: h.main\n  - oops\n",
        "template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources: {Fn: {Type: AWS::Lambda::Function\n",
        "h.py": "",
    })
    scan = discover(root)
    assert sorted((f.rule, f.path) for f in scan.findings) == [("AL006", "serverless.yml"), ("AL006", "template.yaml")]
    assert scan.units == []
