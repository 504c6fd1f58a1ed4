"""archlint's benchmark: real source trees from PyPI, archlint against its floors (bare
libcst and ast parsing) and its peers, side by side. docs/performance.md says how to read it.

    python benchmarks/run.py                     # django, sqlalchemy, pandas, sympy; 3 runs
    python benchmarks/run.py --trees django --runs 5 --write docs/performance.md

Run it with the Python that has archlint installed. It downloads nothing but PyPI packages:
the wheels of the trees (``pip download --no-deps``, unzipped) and, into a virtualenv of its
own, the peers (import-linter with grimp, tach, pydeps, pyan3). Every time is the median of
``--runs`` runs of a whole command in a fresh process (interpreter start-up included, as a
user sees it); a command slower than ``--slow`` seconds is run once, and one slower than
``--timeout`` is stopped and shown as "> timeout". Peak memory is the largest sum of PSS
(proportional set size: a page shared by n processes counts 1/n in each) over the command's
process tree, sampled every 50 ms; RSS would count the pages a forked worker shares with its
parent twice. The largest sum of RSS is kept too, for reference.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import venv
import zipfile
from dataclasses import dataclass, field
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREES = {"django": "django", "sqlalchemy": "sqlalchemy", "pandas": "pandas", "sympy": "sympy"}
PEERS = ["import-linter", "tach", "pydeps", "pyan3"]
# benchmarks/stages.py groups that are analysis of the facts, not reading or writing
ANALYSIS_STAGES = ("graph", "call graph", "data and communication", "analysis")
MARK_START = "<!-- benchmark:start -->"
MARK_END = "<!-- benchmark:end -->"


@dataclass
class Timing:
    """One command measured: the median of its runs, the runs, peak tree PSS (and RSS) in MB."""

    label: str
    runs: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    peak_rss_mb: float = 0.0
    timeout: float | None = None  # set when stopped at this many seconds
    failed: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs) if self.runs and self.timeout is None and not self.failed else None

    def show(self) -> str:
        if self.failed:
            return f"failed ({self.failed})"
        if self.timeout is not None:
            return f"> {self.timeout:.0f} s"
        runs = " (1 run)" if len(self.runs) == 1 else ""
        return f"{self.median:.2f} s{runs}"


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """(PSS, RSS) of ``pid`` and all its descendants, in MB."""
    pss = rss = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith(("Pss:", "Rss:")):
                        kb = int(line.split()[1])
                        if line.startswith("Pss:"):
                            pss += kb
                        else:
                            rss += kb
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(c) for c in handle.read().split())
        except (OSError, ValueError):
            continue
    return pss / 1024, rss / 1024


def run_once(command: list[str], cwd: Path, env: dict[str, str], timeout: float
             ) -> tuple[float | None, tuple[float, float], str]:
    """(seconds or None on time-out, peak (PSS, RSS) MB, error) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [(0.0, 0.0)]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            pss, rss = tree_memory_mb(proc.pid)
            peak[0] = (max(peak[0][0], pss), max(peak[0][1], rss))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None, peak[0], ""
    finally:
        done.set()
        sampler.join()
    elapsed = time.perf_counter() - start
    # import-linter exits 1 on a broken contract; anything else non-zero is a failure
    if proc.returncode not in (0, 1):
        return elapsed, peak[0], err.decode(errors="replace").strip().splitlines()[-1:][0] if err.strip() else f"exit {proc.returncode}"
    return elapsed, peak[0], ""


@dataclass
class Command:
    key: str
    label: str
    argv: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    before: Callable[[], None] | None = None


def measure_all(commands: list[Command], args: argparse.Namespace) -> dict[str, Timing]:
    """Every command ``--runs`` times, in rounds (each command once per round), so that a
    change of the machine's load falls on all of them alike; the median of each."""
    results = {c.key: Timing(c.label) for c in commands}
    for _ in range(args.runs):
        for command in commands:
            result = results[command.key]
            if result.failed or result.timeout is not None or (result.runs and result.runs[-1] > args.slow):
                continue
            if command.before is not None:
                command.before()
            elapsed, (pss, rss), error = run_once(command.argv, command.cwd, {**os.environ, **command.env}, args.timeout)
            result.peak_mb = max(result.peak_mb, pss)
            result.peak_rss_mb = max(result.peak_rss_mb, rss)
            if error:
                result.failed = error[:80]
            elif elapsed is None:
                result.timeout = args.timeout
            else:
                result.runs.append(elapsed)
    for command in commands:
        result = results[command.key]
        print(f"  {result.label:34s} {result.show():>16s}  {result.peak_mb:7.0f} MB", flush=True)
    return results


# -- preparing trees and peers -----------------------------------------------------------


def fetch_trees(names: list[str], work: Path) -> dict[str, Path]:
    wheels = work / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    missing = [n for n in names if not list(wheels.glob(f"{n}-*.whl"))]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--dest", str(wheels), *missing], check=True)
    out = {}
    for name in names:
        wheel = sorted(wheels.glob(f"{name}-*.whl"))[-1]
        root = work / "src" / wheel.name.removesuffix(".whl")
        if not root.exists():
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(root)
        out[name] = root
    return out


def peer_env(work: Path) -> Path | None:
    """A virtualenv with the peers installed; None when they cannot be installed."""
    home = work / "peers"
    bin_dir = home / "bin"
    if not (bin_dir / "lint-imports").exists():
        venv.create(home, with_pip=True, clear=True)
        proc = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", *PEERS],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"peers could not be installed: {proc.stderr.strip()[-300:]}", file=sys.stderr)
            return None
    return bin_dir


def version_of(bin_dir: Path, package: str) -> str:
    proc = subprocess.run([str(bin_dir / "python"), "-c", f"import importlib.metadata as m; print(m.version({package!r}))"],
                          capture_output=True, text=True)
    return proc.stdout.strip() or "?"


# -- one tree --------------------------------------------------------------------------------


def bench_tree(name: str, root: Path, peers: Path | None, args: argparse.Namespace, work: Path) -> dict[str, object]:
    package = TREES[name]
    py = sys.executable
    jobs = args.jobs
    print(f"\n{name}: {root}", flush=True)
    cache = work / "cache" / name
    shutil.rmtree(cache, ignore_errors=True)
    scan = [py, "-m", "archlint", "scan", str(root), "--format", "json", "-o", os.devnull]
    warm = [*scan, "--cache-dir", str(cache), "-j", str(jobs)]
    report = work / f"report-{name}.json"
    subprocess.run([*scan[:-1], str(report), "--cache-dir", str(cache), "-j", str(jobs)], check=True)
    files = json.loads(report.read_text())["summary"]["files"]
    touched = next(p for p in sorted(root.rglob("*.py")) if p.stat().st_size > 10_000)
    original = touched.read_bytes()
    counter = iter(range(10**6))

    def touch() -> None:
        """A comment appended to the file as the last scan saw it: its facts are unchanged,
        so the scan parses this file and answers from the memo. (After the code change
        of ``edit``, the memo holds other facts: a scan of the original comes first.)"""
        touched.write_bytes(original)
        subprocess.run(warm, check=True)
        touched.write_bytes(original + f"\n# benchmark edit {next(counter)}\n".encode())

    def edit() -> None:  # a new function with a call: new facts, the report derived again
        n = next(counter)
        touched.write_bytes(original + f"\n\ndef _benchmark_edit_{n}():\n    return len(str({n}))\n".encode())

    parse = [py, str(HERE / "parse.py")]
    commands = [
        Command("cold1", "archlint cold, 1 process", [*scan, "--no-cache", "-j", "1"], root),
        Command("coldN", f"archlint cold, {jobs} processes", [*scan, "--no-cache", "-j", str(jobs)], root),
        Command("libcst1", "bare libcst, 1 process", [*parse, "libcst", str(root), "1"], root),
        Command("libcstN", f"bare libcst, {jobs} processes", [*parse, "libcst", str(root), str(jobs)], root),
        Command("ast", "ast.parse, 1 process", [*parse, "ast", str(root), "1"], root),
        Command("incremental", "archlint incremental (1 file, comment)", warm, root, before=touch),
        Command("incremental_code", "archlint incremental (1 file, code)", warm, root, before=edit),
        Command("warm", "archlint warm (cache)", warm, root),
    ]
    if peers is not None:
        config = work / f"importlinter-{name}.ini"
        config.write_text(
            f"[importlinter]\nroot_package = {package}\ninclude_external_packages = True\n\n"
            f"[importlinter:contract:minimal]\nname = minimal\ntype = forbidden\n"
            f"source_modules = {package}\nforbidden_modules = tkinter\n"
        )
        env = {"PYTHONPATH": str(root)}
        lint = [str(peers / "lint-imports"), str(config), "--no-logo"]
        lint_cache = work / "cache" / f"il-{name}"
        shutil.rmtree(lint_cache, ignore_errors=True)
        subprocess.run([*lint, "--cache-dir", str(lint_cache)], cwd=root, env={**os.environ, **env}, capture_output=True)
        sources = [str(p.relative_to(root)) for p in sorted((root / package).rglob("*.py"))]
        commands += [
            Command("lint_cold", "import-linter cold", [*lint, "--no-cache"], root, env),
            Command("lint_warm", "import-linter warm (cache)", [*lint, "--cache-dir", str(lint_cache)], root, env),
            Command("tach", "tach map", [str(peers / "tach"), "map", "-o", os.devnull], root),
            Command("pydeps", "pydeps", [str(peers / "pydeps"), package, "--no-output", "--no-show", "--show-deps",
                                         "--max-bacon", "0"], root),
            Command("pyan3", "pyan3", [str(peers / "pyan3"), *sources, "--uses", "--no-defines", "--dot", "--root", "."], root),
        ]
    try:
        t = measure_all(commands, args)
    finally:
        touched.write_bytes(original)
    subprocess.run(warm, check=True)  # the cache again as the tree is
    single = Timing("one file (in-process)")
    # a fresh process that parses one file imports libcst first: that is part of the cost
    single_run = subprocess.run([py, "-c", "import sys, time; t = time.perf_counter(); "
                                 "from archlint.extract.runner import extract_one; "
                                 "d = open(sys.argv[1], 'rb').read(); extract_one('x.py', d); "
                                 "print(time.perf_counter() - t)", str(touched)], capture_output=True, text=True, check=True)
    single.runs.append(float(single_run.stdout))
    stages = json.loads(subprocess.run([py, str(HERE / "stages.py"), str(root), str(cache), str(jobs)],
                                       capture_output=True, text=True, check=True).stdout)
    return {"name": name, "root": root.name, "files": files, "timings": t, "stages": stages, "single": single,
            "touched": str(touched.relative_to(root))}


# -- the report --------------------------------------------------------------------------------


def ratio(a: Timing | None, b: Timing | None) -> str:
    if a is None or b is None or a.median is None or b.median is None:
        return "n/a"
    return f"{a.median / b.median:.2f}x"


def render(results: list[dict[str, object]], args: argparse.Namespace, loads: tuple[tuple[float, ...], tuple[float, ...]],
           versions: dict[str, str]) -> str:
    jobs = args.jobs
    rows = [
        ("archlint cold, 1 process", "cold1"),
        (f"archlint cold, {jobs} processes", "coldN"),
        ("archlint warm (cache, nothing changed)", "warm"),
        ("archlint incremental (one file changed, its facts not: a comment)", "incremental"),
        ("archlint incremental (one file's code changed: a function added)", "incremental_code"),
        ("bare libcst.parse_module, 1 process", "libcst1"),
        (f"bare libcst.parse_module, {jobs} processes", "libcstN"),
        ("ast.parse, 1 process (reference)", "ast"),
        ("import-linter `lint-imports`, cold", "lint_cold"),
        ("import-linter `lint-imports`, warm (cache)", "lint_warm"),
        ("tach map", "tach"),
        ("pydeps", "pydeps"),
        ("pyan3", "pyan3"),
    ]
    names = [str(r["name"]) for r in results]
    out = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"{args.runs} run{'s' if args.runs != 1 else ''} per command, in rounds (median); load average {loads[0][0]:.2f} at the start, {loads[1][0]:.2f} at the end. "
        + "Peers: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        "",
        "Time (median, whole command) and peak memory (PSS) of the process tree:",
        "",
        "| | " + " | ".join(f"{r['name']} ({r['files']} files)" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    for label, key in rows:
        cells = []
        for r in results:
            timing = r["timings"].get(key)  # type: ignore[union-attr]
            cells.append("-" if timing is None else f"{timing.show()}, {timing.peak_mb:.0f} MB")
        if any(c != "-" for c in cells):
            out.append(f"| {label} | " + " | ".join(cells) + " |")
    out += ["", "Ratios and targets (docs/performance.md, issue 8):", "",
            "| | " + " | ".join(names) + " | target |", "|---|" + "---|" * len(results) + "---|"]

    def line(label: str, values: list[str], target: str) -> None:
        out.append(f"| {label} | " + " | ".join(values) + f" | {target} |")

    T = [r["timings"] for r in results]  # noqa: N806
    line("cold / bare libcst, 1 process", [ratio(t["cold1"], t["libcst1"]) for t in T], "<= 1.25x")
    line(f"cold / bare libcst, {jobs} processes", [ratio(t["coldN"], t["libcstN"]) for t in T], "<= 1.25x")
    line(f"speed-up, {jobs} processes over 1 (cold)", [ratio(t["cold1"], t["coldN"]) for t in T], ">= 1.8x (2 workers)")
    line(f"the floor's own speed-up: bare libcst, {jobs} processes over 1", [ratio(t["libcst1"], t["libcstN"]) for t in T], "")
    line("warm", [t["warm"].show() for t in T], "<= 1.0 s (Django or pandas size)")
    line("warm / import-linter warm", [ratio(t["warm"], t.get("lint_warm")) for t in T], "<= 2x")
    for key, what in (("incremental", "a comment"), ("incremental_code", "a function added")):
        line(f"incremental ({what}) - warm", [
            f"{t[key].median - t['warm'].median:+.2f} s" if t[key].median and t["warm"].median else "n/a"
            for t in T], "~ one file's extraction")
    line("that file's extraction alone (libcst's import and the parse)", [f"{r['single'].runs[0]:.2f} s ({r['touched']})" for r in results], "")
    line(f"cold ({jobs} processes) / pydeps", [ratio(t["coldN"], t.get("pydeps")) for t in T], "< 1x")
    line(f"cold ({jobs} processes) / pyan3", [ratio(t["coldN"], t.get("pyan3")) for t in T], "< 1x")
    line("peak memory (PSS), cold", [f"{max(t['cold1'].peak_mb, t['coldN'].peak_mb):.0f} MB (RSS sum "
                                     f"{max(t['cold1'].peak_rss_mb, t['coldN'].peak_rss_mb):.0f} MB)" for t in T],
         "< 300 MB (pandas)")
    line(f"files per second, cold {jobs} processes / warm",
         [f"{r['files'] / r['timings']['coldN'].median:.0f} / {r['files'] / r['timings']['warm'].median:.0f}"
          if r["timings"]["coldN"].median and r["timings"]["warm"].median else "n/a" for r in results], "")

    def share(r: dict[str, object], groups: tuple[str, ...] = ANALYSIS_STAGES) -> str:
        stages = r["stages"]["stages"]  # type: ignore[index]
        cold = r["timings"]["coldN"].median  # type: ignore[index]
        analysis = sum(stages.get(group, 0.0) for group in groups)
        return f"{analysis:.2f} s, {100 * analysis / cold:.1f}%" if cold else "n/a"

    line(f"graph analysis (graphs, calls, data and communication, clusters, verdict, splits) / cold {jobs} processes", [share(r) for r in results], "< 10%")
    line(f"of it, clusters, cycles, verdict, splits and the rest of the analysis alone / cold {jobs} processes",
         [share(r, ("analysis",)) for r in results], "< 10%")
    out += ["", "Where a warm scan spends its time (in-process, seconds):", "",
            "| stage | " + " | ".join(names) + " |", "|---|" + "---|" * len(results)]
    for stage in results[0]["stages"]["stages"]:  # type: ignore[index]
        out.append(f"| {stage} | " + " | ".join(f"{r['stages']['stages'][stage]:.3f}" for r in results) + " |")  # type: ignore[index]
    out.append("| total | " + " | ".join(f"{r['stages']['total']:.3f}" for r in results) + " |")  # type: ignore[index]
    return "\n".join(out) + "\n"


def write_into(doc: Path, table: str) -> None:
    text = doc.read_text(encoding="utf-8")
    head, _, rest = text.partition(MARK_START)
    _, _, tail = rest.partition(MARK_END)
    doc.write_text(f"{head}{MARK_START}\n{table}{MARK_END}{tail}", encoding="utf-8")


def byte_compile() -> None:
    """Byte-compile archlint as an install from a wheel does. An editable install (and any
    run under PYTHONDONTWRITEBYTECODE) would otherwise compile its modules from source in
    every measured command: 0.1-0.2 s that no installed archlint spends."""
    import archlint

    compileall.compile_dir(os.path.dirname(archlint.__file__), quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trees", default=",".join(TREES), help="comma-separated: " + ", ".join(TREES))
    parser.add_argument("--runs", type=int, default=3, help="runs per command; the median is shown")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)), help="processes (default: all cores)")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "archlint-benchmark",
                        help="where wheels, trees, caches and the peers' virtualenv go (kept for the next run)")
    parser.add_argument("--slow", type=float, default=60.0, help="a command slower than this is run once")
    parser.add_argument("--timeout", type=float, default=300.0, help="a command slower than this is stopped")
    parser.add_argument("--no-peers", action="store_true", help="measure archlint and the parsers only")
    parser.add_argument("--write", type=Path, help="write the tables into this markdown file, between its markers")
    args = parser.parse_args()
    names = [n.strip() for n in args.trees.split(",") if n.strip()]
    unknown = set(names) - set(TREES)
    if unknown:
        parser.error(f"unknown trees: {', '.join(sorted(unknown))}")
    args.work.mkdir(parents=True, exist_ok=True)
    byte_compile()
    trees = fetch_trees(names, args.work)
    peers = None if args.no_peers else peer_env(args.work)
    versions = {p: version_of(peers, p) for p in ["grimp", *PEERS]} if peers else {}
    start_load = os.getloadavg()
    results = [bench_tree(n, trees[n], peers, args, args.work) for n in names]
    table = render(results, args, (start_load, os.getloadavg()), versions)
    print("\n" + table)
    if args.write:
        write_into(args.write, table)
        print(f"written into {args.write}")


if __name__ == "__main__":
    main()
