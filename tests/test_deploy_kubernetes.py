"""Kubernetes manifests: workloads, environment from ConfigMaps and Secrets, Services,
kustomize, Helm templates skipped."""

from __future__ import annotations

import base64

from conftest import discover, scan_in_process, units_by_name

CODE = {
    "api/app/__init__.py": "",
    "api/app/main.py": "",
    "api/app/jobs.py": "",
    "api/Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY app ./app\nENTRYPOINT [\"uvicorn\"]\nCMD [\"app.main:app\"]\n",
}

SECRET = base64.b64encode(b"postgresql://api:pw@pg:5432/api").decode()

MANIFESTS = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: api-config
data:
  CACHE_URL: redis://cache:6379/0
  LOG_LEVEL: info
---
apiVersion: v1
kind: Secret
metadata:
  name: api-secrets
data:
  DATABASE_URL: {SECRET}
  BROKEN: "***not base64***"
stringData:
  TOKEN: plain
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    metadata:
      labels: {{app: api, tier: web}}
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0
          envFrom:
            - configMapRef: {{name: api-config}}
            - secretRef: {{name: api-secrets}}
              prefix: S_
          env:
            - name: LOG_LEVEL
              value: debug
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef: {{name: api-secrets, key: DATABASE_URL}}
            - name: CACHE
              valueFrom:
                configMapKeyRef: {{name: api-config, key: CACHE_URL}}
            - name: BASE
              value: http://$(LOG_LEVEL)
            - name: POD_IP
              valueFrom:
                fieldRef: {{fieldPath: status.podIP}}
        - name: proxy
          image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.8
---
apiVersion: v1
kind: Service
metadata:
  name: api-svc
spec:
  selector: {{app: api}}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: job
              image: ghcr.io/acme/api:1.0
              command: ["python", "-m", "app.jobs"]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: pg
spec:
  serviceName: pg-headless
  template:
    metadata:
      labels: {{app: pg}}
    spec:
      containers:
        - name: postgres
          image: postgres:16
          env:
            - {{name: POSTGRES_DB, value: api}}
"""


def test_multi_document_manifests_with_config_map_and_secret_references(tree):
    root = tree({**CODE, "deploy/all.yaml": MANIFESTS})
    units = units_by_name(discover(root))
    api = units["api"]
    assert api.kind == "kubernetes" and api.root == "api" and api.dockerfile == "api/Dockerfile"
    assert api.environment == {
        "CACHE_URL": "redis://cache:6379/0",
        "LOG_LEVEL": "debug",  # env wins over envFrom
        "S_DATABASE_URL": "postgresql://api:pw@pg:5432/api",
        "S_TOKEN": "plain",
        "DATABASE_URL": "postgresql://api:pw@pg:5432/api",
        "CACHE": "redis://cache:6379/0",
        "BASE": "http://debug",  # $(VAR) of an earlier variable
    }  # not S_BROKEN (not base64), not POD_IP (a field of the running pod)
    assert api.hosts == ("api", "api-svc")
    assert [(p.name, p.module, p.script) for p in api.processes] == [("api", "app.main", "api/app/main.py")]
    assert (api.where.path, api.where.line) == ("deploy/all.yaml", 22)
    nightly = units["nightly"]
    assert [(p.module, p.where.line) for p in nightly.processes] == [("app.jobs", 72)]
    assert units["pg"].infrastructure == "postgres" and units["pg"].hosts == ("pg", "pg-headless")
    assert units["pg"].environment == {"POSTGRES_DB": "api"}


def test_helm_templates_are_skipped_with_a_note(tree):
    """One note per chart; a file outside a chart is a template only when `{{` breaks its
    YAML (a `{{` inside a string is just text)."""
    root = tree({
        **CODE,
        "chart/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
        "chart/values.yaml": "image: {repository: acme/api}\n",
        "chart/templates/deployment.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"api.fullname\" . }}\n"
            "spec:\n  template:\n    spec:\n      containers:\n        - name: api\n"
            "          image: \"{{ .Values.image.repository }}\"\n"
        ),
        "k8s/api.yaml": MANIFESTS,
        "k8s/templated.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}}\n",
        "k8s/otel.yaml": """\
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: otel}
            spec:
              template:
                spec:
                  containers:
                    - name: sed
                      image: busybox
                      command: ["/bin/sh", "-c", "sed s/{{PROJECT_ID}}/x/ /t > /c"]
        """,
    })
    report = scan_in_process(root)
    notes = [(f["rule"], f["severity"], f["path"], f["line"]) for f in report["findings"]]
    assert notes == [("AL007", "info", "chart/Chart.yaml", 0), ("AL007", "info", "k8s/templated.yaml", 3)]
    assert "1 template file(s)" in report["findings"][0]["message"]
    assert {"api", "nightly", "pg", "otel"} <= {u["name"] for u in report["deploy_units"]}


def test_kustomize_generators_and_overlay_patches(tree):
    root = tree({
        **CODE,
        "k8s/base/kustomization.yaml": """\
            resources: [deployment.yaml]
            configMapGenerator:
              - name: api-config
                literals:
                  - FEATURE_X=on
                envs:
                  - api.env
        """,
        "k8s/base/api.env": "QUEUE_URL=amqp://mq:5672\n",
        "k8s/base/deployment.yaml": """\
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      image: acme/api:1
                      envFrom: [{configMapRef: {name: api-config}}]
        """,
        "k8s/overlays/prod/kustomization.yaml": "resources: [../../base]\npatches: [{path: patch.yaml}]\n",
        "k8s/overlays/prod/patch.yaml": """\
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              replicas: 5
              template:
                spec:
                  containers:
                    - name: api
                      env: [{name: WORKERS, value: "8"}]
        """,
        "k8s/overlays/prod/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 3}\n",
    })
    units = [u for u in discover(root).units if u.kind == "kubernetes"]
    assert [u.name for u in units] == ["api"]
    assert units[0].environment == {"FEATURE_X": "on", "QUEUE_URL": "amqp://mq:5672", "WORKERS": "8"}
    assert units[0].root == "api"  # acme/api is built from api/Dockerfile


def test_knative_services_pods_and_lists(tree):
    root = tree({
        **CODE,
        "kn.yaml": """\
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata: {name: api-kn}
            spec:
              template:
                spec:
                  containers:
                    - image: acme/api
                      name: user-container
                      args: ["app.main:app", "--port", "8080"]
        """,
        "pods.yaml": """\
            apiVersion: v1
            kind: List
            items:
              - apiVersion: v1
                kind: Pod
                metadata: {name: debug}
                spec:
                  containers:
                    - {name: shell, image: busybox, command: [sleep, infinity]}
        """,
    })
    units = units_by_name(discover(root))
    assert units["api-kn"].processes[0].command == "uvicorn app.main:app --port 8080"
    assert units["debug"].infrastructure == "busybox"


def test_yaml_that_is_not_a_manifest_is_not_read_as_one(tree):
    root = tree({
        **CODE,
        ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ${{ matrix.os }}\n",
        "docs/openapi.yaml": "openapi: 3.0.0\ninfo: {title: x}\n",
        "broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n",
    })
    scan = discover(root)
    assert [(f.rule, f.path) for f in scan.findings] == [("AL006", "broken.yaml")]


def test_skaffold_artifacts_name_the_builds_of_images(tree):
    root = tree({
        "src/cart/src/app/__init__.py": "", "src/cart/src/app/main.py": "",
        "src/cart/src/Dockerfile": "FROM python:3.12\nWORKDIR /srv\nCOPY app app\nCMD uvicorn app.main:app\n",
        "skaffold.yaml": "apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n"
                         "    - image: cart-svc\n      context: src/cart/src\n",
        "k8s/cart.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cart}\nspec:\n  template:\n"
                         "    spec:\n      containers:\n        - {name: server, image: cart-svc}\n",
    })
    cart = units_by_name(discover(root))["cart"]
    assert (cart.root, cart.dockerfile, cart.processes[0].script) == ("src/cart/src", "src/cart/src/Dockerfile", "src/cart/src/app/main.py")
