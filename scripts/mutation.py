"""Measure how many one-line changes of a module the tests catch (a mutation score).

Every mutant changes one place of the module, from a fixed table of operators:

- comparisons: `< -> <=`, `<= -> <`, `> -> >=`, `>= -> >`, `== -> !=`, `!= -> ==`,
  `is -> is not`, `is not -> is`, `in -> not in`, `not in -> in`;
- `and -> or`, `or -> and`; `remove not` (`not x` becomes `x`); `negate condition` (`if x`,
  `while x` and `a if x else b` on a condition that is not a comparison become `not (x)`);
- `True -> False`, `False -> True`; `n -> n+1` on a numeric constant (0 becomes 1);
- arithmetic: `+ -> -`, `- -> +`, `* -> /`, `/ -> *`, `+= -> -=`, `-= -> +=`;
- `drop statement`: an assignment, a call, an `await`, a `raise` or a `del` inside a function
  becomes `pass`; `return None` (`return x` becomes `return None`); `drop break` and
  `drop continue` (becomes `pass`).

Never mutated: docstrings, comments, imports, decorators, signatures (defaults, annotations),
annotations, `if TYPE_CHECKING:` blocks, strings. Mutants inside logging-only statements
(`LOGGER.warning(...)` and the like) are generated but counted as *excluded*, not as killed:
what a log line says is not pinned down by the tests on purpose.

Each mutant runs only the tests that executed its line: the test set runs once first with
coverage per test (pytest-cov's `--cov-context=test`); a mutant on a line no test runs
survives without running anything. A line that runs at import (module and class bodies) is
run against every test that executed any line of the module. Tests run fastest first
(durations from that first run), with `-x`, so a killed mutant stops at its first failing
test. A mutant whose tests run past the timeout counts as killed and is reported apart.

The worktree is never changed: the project is copied to a temporary directory, the mutants
are written there (without bytecode caches), and the copy is deleted at the end, Ctrl-C
included. Run inside the project's environment, on a quiet machine with `nice`:

    in_env nice -n 10 python scripts/mutation.py custom_components/simkl/write_queue.py \
        --tests tests/test_write_queue.py tests/test_write_delivery.py [--min-score 95]
    in_env python scripts/mutation.py MODULE --sample 40 --seed 1    # a quick estimate
    in_env python scripts/mutation.py MODULE --lines 120-140,200     # some lines only
    in_env python scripts/mutation.py MODULE --list                  # the mutants, nothing run

It prints each survivor (line, operator, the line as it is) and the score, killed (timeouts
included) over mutants run; `--min-score` exits non-zero below it.
"""

import argparse
import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
import os
from pathlib import Path
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

from coverage import CoverageData

PROJECT = Path(__file__).resolve().parent.parent
# Not copied: caches and history; the copy must not read a stale bytecode of the module.
_NOT_COPIED = shutil.ignore_patterns(
    ".git", ".cache", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__", "*.pyc"
)
_LOGGER_NAME = re.compile(r"_?(LOGGER|logger|log)|logging")
_LOG_METHODS = frozenset({"debug", "info", "warning", "error", "exception", "critical", "log"})

# Comparison operators: the text to find between the operands, and its replacement.
_COMPARE: dict[type[ast.cmpop], tuple[str, str, str]] = {
    ast.Lt: (r"<(?!=)", "<", "<="),
    ast.LtE: (r"<=", "<=", "<"),
    ast.Gt: (r">(?!=)", ">", ">="),
    ast.GtE: (r">=", ">=", ">"),
    ast.Eq: (r"==", "==", "!="),
    ast.NotEq: (r"!=", "!=", "=="),
    ast.Is: (r"\bis\b(?!\s+not\b)", "is", "is not"),
    ast.IsNot: (r"\bis\s+not\b", "is not", "is"),
    ast.In: (r"\bin\b", "in", "not in"),
    ast.NotIn: (r"\bnot\s+in\b", "not in", "in"),
}
_BOOL: dict[type[ast.boolop], tuple[str, str]] = {
    ast.And: (r"\band\b", "or"),
    ast.Or: (r"\bor\b", "and"),
}
_ARITHMETIC: dict[type[ast.operator], tuple[str, str, str]] = {
    ast.Add: (r"\+", "-", "+"),
    ast.Sub: (r"-", "+", "-"),
    ast.Mult: (r"\*(?!\*)", "/", "*"),
    ast.Div: (r"/(?!/)", "*", "/"),
}


@dataclass(frozen=True, slots=True)
class Mutant:
    """One change of the module's bytes: `source[start:end]` becomes `replacement`."""

    line: int
    operator: str
    start: int
    end: int
    replacement: bytes
    # Lines whose tests run against the mutant (more than one for a multi-line statement).
    lines: tuple[int, ...]
    import_time: bool
    excluded: bool
    # The module-level names the mutated statement assigns.
    assigns: tuple[str, ...] = ()

    def apply(self, source: bytes) -> bytes:
        """The module's source with this change."""
        return source[: self.start] + self.replacement + source[self.end :]


class _Finder:
    """Collects the mutants of one module (positions are byte offsets, as `ast` gives them)."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.line_starts = [0]
        for line in source.splitlines(keepends=True):
            self.line_starts.append(self.line_starts[-1] + len(line))
        self.mutants: list[Mutant] = []
        # Set while the statement being read: its lines, whether it runs at import, whether
        # it only logs.
        self._lines: tuple[int, ...] = ()
        self._import_time = False
        self._excluded = False
        self._assigns: tuple[str, ...] = ()

    def offset(self, line: int, column: int) -> int:
        """The byte offset of a (1-based line, byte column) position."""
        return self.line_starts[line - 1] + column

    def start(self, node: ast.expr | ast.stmt) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end(self, node: ast.expr | ast.stmt) -> int:
        assert node.end_lineno is not None
        assert node.end_col_offset is not None
        return self.offset(node.end_lineno, node.end_col_offset)

    def add(self, operator: str, start: int, end: int, replacement: str) -> None:
        line = next(i for i, at in enumerate(self.line_starts) if at > start)
        self.mutants.append(
            Mutant(
                line=line,
                operator=operator,
                start=start,
                end=end,
                replacement=replacement.encode(),
                lines=self._lines,
                import_time=self._import_time,
                excluded=self._excluded,
                assigns=self._assigns,
            )
        )

    def add_between(
        self, left: ast.expr, right: ast.expr, pattern: str, replacement: str, operator: str
    ) -> None:
        """Replace the operator found between two operands."""
        gap_start, gap_end = self.end(left), self.start(right)
        gap = self.source[gap_start:gap_end].decode()
        if (found := re.search(pattern, gap)) is not None:
            start = gap_start + len(gap[: found.start()].encode())
            end = gap_start + len(gap[: found.end()].encode())
            self.add(operator, start, end, replacement)

    # Statements.

    def body(self, statements: Sequence[ast.stmt], *, in_function: bool) -> None:
        for index, statement in enumerate(statements):
            if index == 0 and _is_docstring(statement):
                continue
            self.statement(statement, in_function=in_function)

    def statement(self, node: ast.stmt, *, in_function: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom | ast.TypeAlias | ast.Pass):
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.body(node.body, in_function=True)
            return
        if isinstance(node, ast.ClassDef):
            self.body(node.body, in_function=in_function)
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            return
        assert node.end_lineno is not None
        simple = not any(
            isinstance(value, list) and value and isinstance(value[0], ast.stmt)
            for _, value in ast.iter_fields(node)
        )
        # Coverage may record a condition on any line of its own; a compound statement's lines
        # are its header's.
        last = node.end_lineno if simple else _header_end(node)
        self._lines = tuple(range(node.lineno, last + 1))
        self._import_time = not in_function
        self._excluded = _is_logging(node)
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        self._assigns = tuple(
            target.id for target in targets if not in_function and isinstance(target, ast.Name)
        )
        if in_function and simple:
            self.drop(node)
        for name, value in ast.iter_fields(node):
            if name in {"annotation", "type_comment"}:
                continue
            children = value if isinstance(value, list) else [value]
            for child in children:
                if isinstance(child, ast.expr):
                    self.expression(child)
                elif isinstance(child, ast.withitem):
                    self.expression(child.context_expr)
                elif isinstance(child, ast.ExceptHandler) and child.type is not None:
                    self.expression(child.type)
        if isinstance(node, ast.If | ast.While):
            self.negate(node.test)
        for name, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                self.body(value, in_function=in_function)
            elif name == "handlers":
                for handler in value:
                    self.body(handler.body, in_function=in_function)

    def drop(self, node: ast.stmt) -> None:
        start, end = self.start(node), self.end(node)
        if isinstance(node, ast.Return):
            if node.value is not None and not _is_none(node.value):
                self.add("return None", self.start(node.value), self.end(node.value), "None")
        elif isinstance(node, ast.Break | ast.Continue):
            self.add(f"drop {type(node).__name__.lower()}", start, end, "pass")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.Expr | ast.Raise | ast.Delete) or (
            isinstance(node, ast.AnnAssign) and node.value is not None
        ):
            self.add("drop statement", start, end, "pass")
        if isinstance(node, ast.AugAssign) and type(node.op) in {ast.Add, ast.Sub}:
            old, new = ("+=", "-=") if isinstance(node.op, ast.Add) else ("-=", "+=")
            self.add_between(node.target, node.value, re.escape(old), new, f"{old} -> {new}")

    # Expressions.

    def expression(self, root: ast.expr) -> None:
        for node in _walk(root):
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                for at, op in enumerate(node.ops):
                    pattern, old, new = _COMPARE[type(op)]
                    self.add_between(
                        operands[at], operands[at + 1], pattern, new, f"{old} -> {new}"
                    )
            elif isinstance(node, ast.BoolOp):
                pattern, new = _BOOL[type(node.op)]
                old = "and" if isinstance(node.op, ast.And) else "or"
                for left, right in zip(node.values, node.values[1:], strict=False):
                    self.add_between(left, right, pattern, new, f"{old} -> {new}")
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                self.add("remove not", self.start(node), self.start(node.operand), "")
            elif isinstance(node, ast.IfExp):
                self.negate(node.test)
            elif isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
                if not any(_is_text(side) for side in (node.left, node.right)):
                    pattern, new, old = _ARITHMETIC[type(node.op)]
                    self.add_between(node.left, node.right, pattern, new, f"{old} -> {new}")
            elif isinstance(node, ast.Constant):
                if isinstance(node.value, bool):
                    self.add(
                        f"{node.value} -> {not node.value}",
                        self.start(node),
                        self.end(node),
                        str(not node.value),
                    )
                elif isinstance(node.value, int | float):
                    self.add("n -> n+1", self.start(node), self.end(node), repr(node.value + 1))

    def negate(self, test: ast.expr) -> None:
        if not isinstance(test, ast.Compare | ast.UnaryOp | ast.Constant):
            start, end = self.start(test), self.end(test)
            segment = self.source[start:end].decode()
            self.add("negate condition", start, end, f"not ({segment})")


def _header_end(node: ast.stmt) -> int:
    """The last line of a compound statement's header (`if (...):`, `with ...:`)."""
    first_body = min(
        child[0].lineno
        for _, child in ast.iter_fields(node)
        if isinstance(child, list) and child and isinstance(child[0], ast.stmt)
    )
    return max(node.lineno, first_body - 1)


def _walk(root: ast.expr) -> Iterator[ast.expr]:
    """The expressions under `root`, without lambdas' signatures and f-strings' text."""
    stack: list[ast.AST] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.expr):
            yield node
        if isinstance(node, ast.Lambda):
            stack.append(node.body)
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str | bytes)
    )


def _is_logging(node: ast.stmt) -> bool:
    """Whether a statement only logs (`LOGGER.debug(...)` and the like)."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    func = node.value.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in _LOG_METHODS
        and isinstance(func.value, ast.Name)
        and _LOGGER_NAME.fullmatch(func.value.id) is not None
    )


def _lines_using(tree: ast.Module) -> dict[str, set[int]]:
    """For each name, the lines inside functions that read it."""
    uses: dict[str, set[int]] = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    uses.setdefault(node.id, set()).add(node.lineno)
    return uses


def find_mutants(source: bytes) -> list[Mutant]:
    """Every mutant of a module's source that still compiles, in source order.

    A mutant of a module-level constant is tested by the tests of the lines that read it;
    another change at import (a class body, a constant only other modules read) by every test
    of the module.
    """
    tree = ast.parse(source)
    finder = _Finder(source)
    finder.body(tree.body, in_function=False)
    uses = _lines_using(tree)
    mutants = []
    for found in sorted(finder.mutants, key=lambda m: (m.start, m.operator)):
        mutant = found
        if found.assigns and all(name in uses for name in found.assigns):
            lines = sorted(set().union(*(uses[name] for name in found.assigns)))
            mutant = replace(found, lines=tuple(lines), import_time=False)
        try:
            compile(mutant.apply(source), "<mutant>", "exec")
        except SyntaxError:
            continue
        mutants.append(mutant)
    return mutants


# Running the tests.


@dataclass(frozen=True, slots=True)
class Baseline:
    """What the first run of the tests found: who runs each line, and how long each test takes."""

    tests_by_line: dict[int, list[str]]
    every_test: list[str]
    durations: dict[str, float]


def _environment() -> dict[str, str]:
    # No bytecode: a mutant of the same size and time stamp must never reuse the last one's.
    return os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}


def run_baseline(copy: Path, module: Path, tests: Sequence[str]) -> Baseline:
    """Run the tests once with coverage per test; fail when they do not pass as they are."""
    report = copy / ".cache" / "mutation-junit.xml"
    report.parent.mkdir(exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--cov",
        "--cov-context=test",
        "--cov-report=",
        "--cov-fail-under=0",
        f"--junitxml={report}",
        *tests,
    ]
    print(f"Running the tests once with coverage per test ({' '.join(tests)})", flush=True)
    # Python 3.14's low-overhead monitoring cannot tell which test ran a line.
    environment = _environment() | {"COVERAGE_CORE": "ctrace"}
    done = subprocess.run(command, cwd=copy, env=environment, check=False)  # noqa: S603
    if done.returncode != 0:
        sys.exit("The tests fail without any mutant: fix them first.")
    data = CoverageData(basename=str(copy / ".cache" / ".coverage"))
    data.read()
    measured = str((copy / module).resolve())
    contexts = data.contexts_by_lineno(measured)
    tests_by_line = {
        line: sorted({_test_of(context) for context in found if context})
        for line, found in contexts.items()
    }
    every_test = sorted({test for found in tests_by_line.values() for test in found})
    durations: dict[str, float] = {}
    cases = ET.parse(report).getroot().iter("testcase")  # noqa: S314 - our own pytest's report
    for case in cases:
        path = case.get("classname", "").replace(".", "/")
        durations[f"{path}.py::{case.get('name')}"] = float(case.get("time", "0"))
    return Baseline(tests_by_line, every_test, durations)


def _test_of(context: str) -> str:
    """The test id of a pytest-cov context (`tests/test_x.py::test_y[a]|run`)."""
    return context.rpartition("|")[0] or context


def tests_for(mutant: Mutant, baseline: Baseline) -> list[str]:
    """The tests that ran the mutant's lines, fastest first."""
    if mutant.import_time:
        chosen = set(baseline.every_test)
    else:
        chosen = {test for line in mutant.lines for test in baseline.tests_by_line.get(line, ())}
    return sorted(chosen, key=lambda test: (baseline.durations.get(test, 0.0), test))


def run_mutant(copy: Path, tests: list[str], baseline: Baseline, timeout: float | None) -> str:
    """Run the tests against the mutant in place: `killed`, `survived` or `timeout`.

    A test that runs twice as long as it did and 15 s more fails as a timeout
    (pytest-timeout); the whole run is stopped past three times the tests' duration and 60 s.
    """
    durations = [baseline.durations.get(test, 1.0) for test in tests]
    per_test = timeout if timeout is not None else 15.0 + 2 * max(durations)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "--no-cov",
        f"--timeout={per_test:.0f}",
        # A hung event loop cannot be interrupted in place: end the whole run.
        "--timeout-method=thread",
        *tests,
    ]
    with (
        tempfile.TemporaryFile() as output,
        subprocess.Popen(  # noqa: S603
            command,
            cwd=copy,
            env=_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ) as process,
    ):
        try:
            code = process.wait(timeout=60.0 + 3 * sum(durations) + per_test)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return "timeout"
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        output.seek(0)
        printed = output.read()
    if code == 5:
        sys.exit(f"pytest collected none of {tests[:3]} ...: the test ids do not match.")
    if code == 0:
        return "survived"
    return "timeout" if b"Timeout (>" in printed or b"+ Timeout +" in printed else "killed"


def _parse_lines(text: str) -> set[int]:
    lines: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        lines.update(range(int(first), int(last or first) + 1))
    return lines


def main() -> int:
    """Generate the mutants, run the tests against each, print the survivors and the score."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("module", type=Path, help="e.g. custom_components/simkl/write_queue.py")
    parser.add_argument("--tests", nargs="+", default=["tests"], help="test files (tests/)")
    parser.add_argument("--min-score", type=float, help="exit non-zero below this percentage")
    parser.add_argument("--sample", type=int, help="run only this many mutants, at random")
    parser.add_argument("--seed", type=int, default=0, help="of the sample (0)")
    parser.add_argument("--lines", type=_parse_lines, help="only these lines: 10,20-30")
    parser.add_argument(
        "--timeout", type=float, help="seconds per test (default: 15 s + twice the slowest)"
    )
    parser.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    args = parser.parse_args()
    # Stopped from outside: end the test run and delete the copy, as on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("Stopped"))

    module = args.module.resolve().relative_to(PROJECT)
    source = (PROJECT / module).read_bytes()
    mutants = find_mutants(source)
    if args.lines is not None:
        mutants = [m for m in mutants if m.line in args.lines]
    excluded = [m for m in mutants if m.excluded]
    chosen = [m for m in mutants if not m.excluded]
    if args.sample is not None and args.sample < len(chosen):
        rng = random.Random(args.seed)  # noqa: S311 - a reproducible sample, not a secret
        chosen = sorted(rng.sample(chosen, args.sample), key=lambda m: m.start)
    text = source.decode().splitlines()
    print(f"{module}: {len(chosen)} mutants to run, {len(excluded)} excluded (logging only)")
    if args.list:
        for mutant in chosen:
            print(f"{mutant.line:5}  {mutant.operator:18} {text[mutant.line - 1].strip()}")
        return 0

    outcomes: dict[str, list[Mutant]] = {"killed": [], "survived": [], "timeout": []}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="simkl-mutation-") as scratch:
        copy = Path(scratch) / "project"
        shutil.copytree(PROJECT, copy, ignore=_NOT_COPIED, symlinks=True)
        baseline = run_baseline(copy, module, args.tests)
        target = copy / module
        for number, mutant in enumerate(chosen, 1):
            tests = tests_for(mutant, baseline)
            if not tests:
                outcome = "survived"
            else:
                target.write_bytes(mutant.apply(source))
                try:
                    outcome = run_mutant(copy, tests, baseline, args.timeout)
                finally:
                    target.write_bytes(source)
            outcomes[outcome].append(mutant)
            print(
                f"[{number}/{len(chosen)}] line {mutant.line} {mutant.operator}: {outcome}"
                f" ({len(tests)} tests, {time.monotonic() - started:.0f} s)",
                flush=True,
            )

    for title, key in (("Survivors", "survived"), ("Timeouts (counted as killed)", "timeout")):
        if outcomes[key]:
            print(f"\n{title}:")
            for mutant in outcomes[key]:
                print(
                    f"  line {mutant.line:4}  {mutant.operator:18} {text[mutant.line - 1].strip()}"
                )
    killed = len(outcomes["killed"]) + len(outcomes["timeout"])
    score = 100.0 * killed / len(chosen) if chosen else 100.0
    print(
        f"\n{module}: {killed}/{len(chosen)} mutants killed ({score:.1f} %):"
        f" {len(outcomes['timeout'])} by a timeout, {len(outcomes['survived'])} survived;"
        f" {len(excluded)} excluded (logging only); {time.monotonic() - started:.0f} s"
    )
    return 1 if args.min_score is not None and score < args.min_score else 0


if __name__ == "__main__":
    sys.exit(main())
