"""The rule catalogue: every finding archlint can emit has a stable code listed here.

The long texts are the single source for ``archlint rule CODE``, the SARIF rule
catalogue and the pages under docs/rules/ (generated from here; a test keeps them in step).
"""

from __future__ import annotations

from dataclasses import dataclass

from archlint.model.findings import ERROR, INFO, WARNING


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: str  # the default; configuration may change it
    summary: str
    why: str
    fix: str
    example: str


_RULES: tuple[Rule, ...] = (
    Rule(
        "AL001",
        "parse-error",
        ERROR,
        "A Python file could not be parsed.",
        "archlint learns a file's imports, calls and data access from its syntax tree. A file "
        "that does not parse (a syntax error, Python 2 syntax, a merge conflict marker, binary "
        "content named .py) contributes nothing, so the architecture report is blind to it.",
        "Fix the syntax error, port the file to Python 3, or exclude it "
        '(`exclude = ["legacy/**"]` in `[tool.archlint]`).',
        "```python\nprint 'hello'   # Python 2: AL001 at line 1\n```",
    ),
    Rule(
        "AL002",
        "unreadable-file",
        ERROR,
        "A file could not be read or decoded.",
        "A file that cannot be read (permissions, a broken symlink, a file that vanished during "
        "the scan) or decoded (bytes that are not valid in its declared encoding, NUL bytes) "
        "is missing from the analysis.",
        "Make the file readable, fix its encoding or its `# -*- coding: ... -*-` cookie, or "
        "exclude it.",
        "```python\n# -*- coding: utf-8 -*-\nname = '\\xff\\xfe'  # raw bytes 0xff 0xfe in the file: AL002\n```",
    ),
    Rule(
        "AL003",
        "file-too-large",
        WARNING,
        "A file is larger than `max_file_size` and was skipped.",
        "Very large files are almost always generated (protobuf modules, data dumps, vendored "
        "bundles). Parsing them costs seconds and memory for facts nobody needs.",
        "Exclude the file, or raise `max_file_size` in `[tool.archlint]` if the file is "
        "hand-written code that matters to the architecture.",
        "```toml\n[tool.archlint]\nmax_file_size = 2_000_000  # bytes\n```",
    ),
    Rule(
        "AL004",
        "internal-error",
        ERROR,
        "archlint failed on one file; the rest of the report is complete.",
        "A bug in archlint should cost one file, not the scan. The finding says which file, so "
        "the report can be trusted for everything else.",
        "Run again with `--debug` to see the traceback and report it with the file if you can.",
        "```\nAL004 internal error while extracting app/models.py: RecursionError\n```",
    ),
    Rule(
        "AL005",
        "path-not-followed",
        INFO,
        "A symlink was not followed: it points out of the scanned tree or at a directory, or it "
        "is broken and names no Python file (a broken `.py` link is AL002).",
        "archlint never reads outside the directory it was asked to scan (a pull request could "
        "add a link to /etc or to a secrets mount), and does not follow directory links, "
        "which can loop or count the same code twice.",
        "Nothing to do if the link is intentional. If the linked code belongs to the project, "
        "scan the directory it points to, or replace the link with the files.",
        "```\nshared -> ../../common   # AL005: symlinked directory, not followed\n```",
    ),
    Rule(
        "AL008",
        "excluded-package-imported",
        WARNING,
        "The scanned code imports a package that a default exclude left out of the scan, or "
        "such a package is all there is to scan.",
        "Directories named `build`, `dist` or `venv` are not scanned by default: they usually "
        "hold build output or a virtualenv. But a project's own package can carry such a name "
        "(pypa/build keeps its code in `src/build/`, pip has `pip._internal.operations.build`, "
        "hatch and pex a `venv` package), and then the report is silently missing it: its "
        "imports look unresolved or third-party, its modules, calls and data access are not "
        "there, and the verdict is made without them. (Vendored code, in `vendor`, `_vendor` "
        "or `third_party`, is left out on purpose and not reported.) When nothing else is "
        "scanned (`archlint scan src` of a `src/build/` layout), every such package is "
        "reported, imported or not: the report would otherwise say only that no code was found.",
        "If the directory is the project's code, scan it: `include = [\"src/build\"]` in "
        "`[tool.archlint]`. If it is not, exclude it yourself (`exclude = [\"src/build\"]`) "
        "and the finding goes away.",
        "```\nsrc/build/__init__.py  AL008 src/build is excluded by default (a directory named "
        "build), but the scanned code imports build 14 times, first at docs/conf.py:13: include = "
        "[\"src/build\"] scans its 13 Python files\n```",
    ),
    Rule(
        "AL101",
        "import-cycle",
        WARNING,
        "Modules import each other in a cycle.",
        "A cycle makes its modules one unit: none can be understood, tested, or moved to another "
        "service without the others. Cycles between packages are the first thing that stops a "
        "monolith from being split.",
        "Move the shared piece into a module both can import, invert the dependency (pass a "
        "callback or an interface), or defer the import into the function that needs it if the "
        "cycle is only at import time.",
        "```python\n# shop/orders.py\nfrom shop.billing import invoice\n"
        "# shop/billing.py\nfrom shop.orders import Order   # AL101: shop.billing -> shop.orders -> shop.billing\n```",
    ),
)

_RULES += (
    Rule(
        "AL102",
        "package-cycle",
        WARNING,
        "Packages import each other in a cycle.",
        "Packages are the units a code base is split along: into layers, into modules of a "
        "modular monolith, into services. Two packages in a cycle cannot be separated, "
        "deployed or even understood apart; every split candidate that crosses the cycle "
        "inherits it.",
        "Find the imports that go against the intended direction (the evidence lists one "
        "for each step of the cycle) and move the code they need, or invert the dependency.",
        "```\nshop.orders -> shop.billing -> shop.orders\n"
        "  shop/orders/service.py:1  from shop.billing.invoice import create_invoice\n"
        "  shop/billing/invoice.py:2  from shop.orders.service import order_total\n```",
    ),
)

_RULES += (
    Rule(
        "AL201",
        "cross-service-import",
        ERROR,
        "One service imports code that belongs to another service.",
        "Services are deployed separately: code imported across a service boundary is either "
        "missing from the importing service's image (and fails at run time), or copied into it, "
        "so both services must be released together. Either way they are one system wearing "
        "two names - generic services, not microservices.",
        "Call the other service over its API (HTTP, gRPC, a message) instead of importing its "
        "code. If both need the same logic, move it into a versioned library that neither "
        "service owns, or into the one service that should own it.",
        "```python\n# services/orders/app/checkout.py\n"
        "from billing.invoices import create_invoice   # AL201: orders imports billing's code\n```",
    ),
    Rule(
        "AL202",
        "shared-database",
        WARNING,
        "Several services use the same database.",
        "A database shared between services couples them through its schema: a migration for "
        "one service can break the other, neither can change its storage alone, and the "
        "database is a single point of failure for both. It is the most common reason a system "
        "of services is not microservices.",
        "Give each service its own database (or schema with its own credentials) and let the "
        "others reach the data through the owning service's API or through events it publishes.",
        "```yaml\n# docker-compose.yml\nservices:\n  orders:\n    environment: {DATABASE_URL: postgres://db/shop}\n"
        "  billing:\n    environment: {DATABASE_URL: postgres://db/shop}   # AL202: both use db/shop\n```",
    ),
    Rule(
        "AL203",
        "shared-tables",
        WARNING,
        "Several services read or write the same table.",
        "Two services touching one table share its schema and its invariants: neither can "
        "rename a column, change a constraint or move the table without the other. This is "
        "tighter than sharing a database server, where each service keeps its own tables.",
        "Choose the service that owns the table; the others ask it through its API or keep a "
        "copy fed by its events.",
        "```python\n# orders/models.py\nclass Customer(Base): __tablename__ = \"customers\"\n"
        "# billing/queries.py\ndb.execute(\"SELECT * FROM customers\")   # AL203: both use customers\n```",
    ),
    Rule(
        "AL204",
        "cross-service-foreign-key",
        WARNING,
        "A service's table has a foreign key to a table another service owns.",
        "A foreign key across service boundaries makes the two services' data one transaction "
        "domain: the referenced service cannot delete, move or split its table, and the schemas "
        "can only be migrated together.",
        "Store the other service's identifier as a plain value (no constraint) and keep it "
        "consistent with events or a periodic check.",
        "```python\n# billing/models.py\ncustomer_id = Column(ForeignKey(\"customers.id\"))   "
        "# AL204: customers belongs to orders\n```",
    ),
    Rule(
        "AL205",
        "shared-internal-library",
        WARNING,
        "Several services import the same in-repository library (or copy it into their images).",
        "A library inside the repository that several services import is shared code without a "
        "version: a change to it changes every service at once, so they are tested and released "
        "together. Shared domain models are the usual case.",
        "Keep only stable, domain-free code in shared libraries and publish them with a version "
        "each service pins; move domain code (models, business rules) into the service that owns it.",
        "```python\n# services/orders/app.py\nfrom common.models import Customer\n"
        "# services/billing/app.py\nfrom common.models import Customer   # AL205: both import common\n```",
    ),
    Rule(
        "AL206",
        "hard-coded-endpoint",
        WARNING,
        "A service calls another one at an address written into the code.",
        "An address in the code (`http://orders:8000/api`) ties the caller to one deployment of "
        "the callee: moving, renaming or scaling it means a code change and a release of every "
        "caller.",
        "Read the address from configuration (an environment variable, service discovery) and "
        "give it a value in the deployment files.",
        "```python\nrequests.get(\"http://orders:8000/api/orders\")   # AL206\n"
        "requests.get(f\"{os.environ['ORDERS_URL']}/api/orders\")   # fine\n```",
    ),
    Rule(
        "AL207",
        "cyclic-service-dependency",
        WARNING,
        "Services call each other synchronously in a cycle.",
        "When service A calls B and B calls A (directly or around a longer loop), a slow or "
        "failing service slows or fails all of them, requests can loop, and neither can be "
        "deployed with an incompatible API change without the other.",
        "Make one direction asynchronous (an event or a queue), or move the piece both need "
        "into one of them.",
        "```\norders -> billing   (orders/app.py:12  requests.post(BILLING_URL))\n"
        "billing -> orders   (billing/app.py:30  requests.get(ORDERS_URL))   # AL207\n```",
    ),
    Rule(
        "AL208",
        "shared-codebase",
        INFO,
        "Several deployed services are one code base started with different commands.",
        "A web process and a worker built from the same directory are one application with two "
        "process types: they share every module and are released together. That is a monolith "
        "deployed as several processes, which is fine, but not separate services.",
        "Nothing to fix if this is the intent. To make them separate services, split the code "
        "so that each service has its own directory and dependencies.",
        "```yaml\nservices:\n  web:    {build: ., command: gunicorn shop.wsgi}\n"
        "  worker: {build: ., command: celery -A shop worker}   # AL208: one code base\n```",
    ),
    Rule(
        "AL209",
        "shared-database-server",
        INFO,
        "Services keep separate databases on one database server.",
        "Separate databases on one server keep the services' data apart (each owns its schema), "
        "but they still share the server's capacity, upgrades and outages.",
        "Nothing to fix for most systems. Give a service its own server when its load or its "
        "availability needs differ from the others'.",
        "```\npostgres://db/orders   and   postgres://db/billing   # AL209: one server, two databases\n```",
    ),
    Rule(
        "AL210",
        "schema-per-service",
        INFO,
        "Services share a database but each uses its own schema.",
        "A schema per service is a common step from a shared database towards database per "
        "service: tables are owned, but the services still share the database's transactions, "
        "capacity and migrations tooling.",
        "Nothing to fix. Check that no service reads another's schema (AL203 reports shared tables).",
        "```sql\nSELECT * FROM orders.orders;   -- orders service\nSELECT * FROM billing.invoices;   -- billing service\n```",
    ),
    Rule(
        "AL301",
        "layers-contract",
        ERROR,
        "A lower layer imports a higher layer of a `layers` contract.",
        "Layers let each level of the code be understood, tested and replaced with only the "
        "levels below it. One import upwards (often indirect, through a helper module) ties the "
        "lower layer to everything above it.",
        "Move the code the lower layer needs down into it (or into a layer below), or invert the "
        "dependency: the higher layer passes a callback or implements an interface the lower "
        "layer defines. The finding lists every step of the import chain with file and line.",
        "```toml\n[[tool.archlint.contracts]]\nname = \"shop layers\"\ntype = \"layers\"\n"
        "layers = [\"shop.web\", \"shop.orders | shop.billing\", \"shop.db\"]\n```\n\n"
        "```python\n# shop/db.py\nfrom shop.web import current_user   # AL301: shop.db (lowest) imports shop.web\n```",
    ),
    Rule(
        "AL302",
        "forbidden-contract",
        ERROR,
        "A module imports a module a `forbidden` contract forbids it to import.",
        "A forbidden contract writes down a boundary the design relies on: the domain does not "
        "know the web framework, one bounded context does not reach into another. An import "
        "across it, direct or through other modules, erodes that boundary.",
        "Remove the import (or the link in the chain the finding shows), move the code to the "
        "right side of the boundary, or - if the import is accepted - list it in the "
        "contract's `ignore_imports`.",
        "```toml\n[[tool.archlint.contracts]]\nname = \"domain does not know the web\"\n"
        "type = \"forbidden\"\nsource_modules = [\"shop.domain\"]\nforbidden_modules = [\"shop.web\", \"flask\"]\n```",
    ),
    Rule(
        "AL303",
        "independence-contract",
        ERROR,
        "Modules of an `independence` contract import each other.",
        "Independent modules (plug-ins, bounded contexts, tenants) can be changed, removed or "
        "moved into their own service one at a time only while none of them imports another, "
        "even through a shared helper.",
        "Move what they share into a module outside the contract that imports none of them, or "
        "communicate through events or an interface defined outside them.",
        "```toml\n[[tool.archlint.contracts]]\nname = \"contexts are independent\"\n"
        "type = \"independence\"\nmodules = [\"shop.orders\", \"shop.billing\", \"shop.catalog\"]\n```",
    ),
    Rule(
        "AL304",
        "service-independence-contract",
        ERROR,
        "Services of a `service-independence` contract import each other's code or share a database.",
        "The contract states that the services are meant to be microservices: separately "
        "deployable, each with its own data. An import across services or a shared database "
        "breaks that, whatever the deployment files say.",
        "Replace the import by a call to the other service's API or by an event; give each "
        "service its own database. Services are the ones listed in the contract's `services` "
        "table or, without it, the ones discovered from the deploy files.",
        "```toml\n[[tool.archlint.contracts]]\nname = \"services stay independent\"\n"
        "type = \"service-independence\"\nservices = { orders = \"services/orders\", billing = \"services/billing\" }\n```",
    ),
    Rule(
        "AL305",
        "acyclic-contract",
        ERROR,
        "Sibling packages of an `acyclic` contract import each other in a cycle.",
        "Siblings in a cycle can only be understood, tested and split off together. Forbidding "
        "cycles among the children of a package keeps its structure a hierarchy that can be "
        "layered or cut into services later.",
        "Break the cycle at the step with the fewest imports (the finding lists each step with "
        "file and line): move the imported code, or invert the dependency.",
        "```toml\n[[tool.archlint.contracts]]\nname = \"no cycles between shop's packages\"\n"
        "type = \"acyclic\"\nancestors = [\"shop\"]\n```",
    ),
    Rule(
        "AL401",
        "architecture-requirement",
        ERROR,
        "The architecture verdict is weaker than `require` asks for.",
        "`require = \"microservices\"` states what the system must stay. The verdict is "
        "computed from the code and the deploy files, so a pull request that adds a shared "
        "database or a cross-service import fails the gate before it is merged.",
        "Read the reasons listed with the finding (each with file and line), fix the couplings "
        "they name, or lower the requirement if the architecture has changed on purpose.",
        "```toml\n[tool.archlint]\nrequire = \"microservices\"   # AL401 while two services share a database\n```",
    ),
    Rule(
        "AL402",
        "max-shared-databases",
        ERROR,
        "More databases are shared between services than `max_shared_databases` allows.",
        "A budget for shared databases lets a team moving towards database-per-service ratchet: "
        "the number can only go down, and a new shared database fails the gate.",
        "Give the service that started sharing a database its own, or raise the budget "
        "deliberately in the configuration.",
        "```toml\n[tool.archlint]\nmax_shared_databases = 0\n```",
    ),
    Rule(
        "AL006",
        "deploy-file-error",
        WARNING,
        "A deploy or configuration file (YAML, TOML, JSON) could not be read or parsed.",
        "archlint learns what a repository deploys - its services, their commands, their "
        "environment - from docker-compose files, Kubernetes manifests, serverless.yml, SAM "
        "templates and project files. A file it cannot parse contributes nothing, so the "
        "services and the connections between them may be incomplete. Files that expand "
        "into huge documents (YAML alias bombs), nest absurdly deep or exceed `max_file_size` "
        "are refused for the same reason a parser would choke on them.",
        "Fix the syntax the message points at (the tool that deploys the file would reject it "
        "too), or exclude the file if it is not a real deploy file "
        '(`exclude = ["examples/**"]` in `[tool.archlint]`).',
        "```yaml\nservices:\n  web:\n    image: shop:1.0\n   command: gunicorn shop.wsgi   # AL006: bad indentation\n```",
    ),
    Rule(
        "AL007",
        "template-skipped",
        INFO,
        "A templated deploy file (a Helm chart template with `{{ }}`) was skipped.",
        "Helm and other Go templates are not YAML until they are rendered with their values; "
        "archlint never runs a template engine, so the workloads such a file declares are not "
        "in the report.",
        "Render the chart (`helm template chart/ > rendered.yaml`) into the repository or a "
        "scanned directory if its workloads should count, or ignore this note.",
        "```yaml\nimage: {{ .Values.image.repository }}:{{ .Values.image.tag }}   # AL007\n```",
    ),
)

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}

__all__ = ["Rule", "RULES", "ERROR", "WARNING", "INFO"]
