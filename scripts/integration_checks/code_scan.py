"""Reads the integration's source without running it: the keys and actions it uses.

A value is read when it is a literal, a constant (also one imported from another module of
the integration), a parameter whose callers pass readable values, a local assigned readable
values, or the target of a loop over a literal table. Anything else is kept as unreadable,
and the checks report it: a key the checker cannot read is a key it cannot vouch for.
"""

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum, auto
from pathlib import Path
from typing import Final

type Values = frozenset[str] | None
type Scope = tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...]

EXCEPTION: Final = "exception"
SELECTOR: Final = "selector"
STEP: Final = "step"
PROGRESS: Final = "progress"
ERROR: Final = "error"
ABORT: Final = "abort"
ACTION: Final = "action"

# Where each way of registering an action takes the action's name: (position, keyword).
_ACTION_NAME_ARGUMENT: Final = {
    "async_register_entity_service": (0, "name"),
    "async_register_platform_entity_service": (2, "service_name"),
    "async_register_admin_service": (2, "service"),
}
# Abort reasons that config-flow helpers use without naming them in the call.
_IMPLIED_ABORTS: Final = {
    "_abort_if_unique_id_configured": "already_configured",
    "_async_abort_entries_match": "already_configured",
}
_MAX_DEPTH: Final = 12


@dataclass(frozen=True)
class Use:
    """A key the code uses: its kind, the values it can take (None: unreadable), where."""

    kind: str
    values: Values
    file: str
    line: int
    # "config", "options", ... for the keys of a flow; the form's fields for a form step.
    flow: str | None = None
    fields: Values = None
    function: str | None = None

    @property
    def where(self) -> str:
        """Return `file:line`."""
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class _Module:
    name: str
    file: str
    tree: ast.Module
    constants: dict[str, ast.expr]
    imports: dict[str, tuple[str, str]]


def _callee(call: ast.Call) -> str | None:
    match call.func:
        case ast.Name(id=name) | ast.Attribute(attr=name):
            return name
    return None


def _flow_of(bases: list[ast.expr]) -> str | None:
    """Return the strings.json section of a flow class, judged by its base classes."""
    for base in bases:
        match base:
            case ast.Name(id=name) | ast.Attribute(attr=name):
                if name == "ConfigFlow":
                    return "config"
                if "OptionsFlow" in name:
                    return "options"
                if name == "ConfigSubentryFlow":
                    return "config_subentries"
    return None


def _module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _top_level(
    tree: ast.Module, package: str
) -> tuple[dict[str, ast.expr], dict[str, tuple[str, str]]]:
    constants: dict[str, ast.expr] = {}
    imports: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        match node:
            case ast.Assign(targets=[ast.Name(id=name)], value=value):
                constants[name] = value
            case ast.AnnAssign(target=ast.Name(id=name), value=ast.expr() as value):
                constants[name] = value
            case ast.ImportFrom(module=module, names=names, level=level) if level > 0:
                base = package.split(".") if package else []
                base = base[: len(base) - (level - 1)] if level > 1 else base
                target = ".".join([*base, *(module.split(".") if module else [])])
                for alias in names:
                    imports[alias.asname or alias.name] = (target, alias.name)
    return constants, imports


class CodeIndex:
    """The uses of translation keys, flow steps and actions in an integration's modules."""

    def __init__(self, integration: Path) -> None:
        """Parse every module of the integration (and of its subpackages)."""
        self._modules: dict[str, _Module] = {}
        for path in sorted(integration.rglob("*.py")):
            relative = path.relative_to(integration)
            name = _module_name(relative)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(relative))
            is_package = relative.name == "__init__.py"
            package = name if is_package else name.rpartition(".")[0]
            constants, imports = _top_level(tree, package)
            self._modules[name] = _Module(name, str(relative), tree, constants, imports)
        self._calls: dict[str, list[tuple[_Module, ast.Call, Scope]]] = defaultdict(list)
        self.flow_methods: dict[str, set[str]] = defaultdict(set)
        for module in self._modules.values():
            for node, scope, _, _ in _walk_with_classes(module.tree):
                if isinstance(node, ast.Call) and (callee := _callee(node)):
                    self._calls[callee].append((module, node, scope))
        self.uses: list[Use] = [
            use for module in self._modules.values() for use in self._scan(module)
        ]

    def defines(self, module: str, name: str) -> bool:
        """Return whether `module` (e.g. "sensor", "" for the package) defines `name`."""
        found = self._modules.get(module)
        if found is None:
            return False
        definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        return name in found.constants or any(
            isinstance(node, definitions) and node.name == name for node in found.tree.body
        )

    def modules_using(self, needle: str) -> list[str]:
        """Return the files whose source mentions `needle` (e.g. "hass.data[")."""
        return [
            module.file for module in self._modules.values() if needle in ast.unparse(module.tree)
        ]

    def of_kind(self, kind: str, flow: str | None = None) -> list[Use]:
        """Return the uses of one kind (of one flow's keys, when given)."""
        return [use for use in self.uses if use.kind == kind and (flow is None or use.flow == flow)]

    # Scanning

    def _scan(self, module: _Module) -> Iterator[Use]:
        for node, scope, flow, flow_class in _walk_with_classes(module.tree):
            match node:
                case ast.FunctionDef(name=name) | ast.AsyncFunctionDef(name=name) if flow:
                    if name.startswith("async_step_"):
                        self.flow_methods[flow].add(name.removeprefix("async_step_"))
            if isinstance(node, ast.Call):
                yield from self._call_uses(module, node, scope, flow, flow_class)
            elif flow is not None and isinstance(node, ast.Dict):
                yield from self._error_dict(module, node, scope, flow)
            elif flow is not None and isinstance(node, ast.Assign):
                yield from self._error_assignment(module, node, scope, flow)

    def _use(
        self,
        kind: str,
        module: _Module,
        node: ast.expr,
        values: Values,
        scope: Scope,
        *,
        flow: str | None = None,
        fields: Values = None,
    ) -> Use:
        function = scope[-1].name if scope else None
        return Use(kind, values, module.file, node.lineno, flow, fields, function)

    def _call_uses(
        self,
        module: _Module,
        call: ast.Call,
        scope: Scope,
        flow: str | None,
        flow_class: ast.ClassDef | None,
    ) -> Iterator[Use]:
        callee = _callee(call)
        keywords = {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}
        if (key := keywords.get("translation_key")) is not None:
            if "translation_domain" in keywords:
                yield self._use(EXCEPTION, module, call, self._resolve(module, key, scope), scope)
            elif callee and callee.endswith(("SelectorConfig", "Selector")):
                yield self._use(SELECTOR, module, call, self._resolve(module, key, scope), scope)
        if (action := self._action_name(call, callee, keywords)) is not None:
            yield self._use(ACTION, module, call, self._resolve(module, action, scope), scope)
        if flow is None or callee is None:
            return
        step = keywords.get("step_id")
        if callee == "async_show_form" and step is not None:
            fields = self._schema_fields(module, keywords.get("data_schema"), scope)
            values = self._resolve(module, step, scope)
            yield self._use(STEP, module, call, values, scope, flow=flow, fields=fields)
        elif callee in {"async_show_progress", "async_show_menu"} and step is not None:
            values = self._resolve(module, step, scope)
            yield self._use(STEP, module, call, values, scope, flow=flow)
            if (action_key := keywords.get("progress_action")) is not None:
                values = self._resolve(module, action_key, scope)
                yield self._use(PROGRESS, module, call, values, scope, flow=flow)
        for reason in self._abort_reasons(module, callee, keywords, scope, flow_class):
            yield self._use(ABORT, module, call, reason, scope, flow=flow)

    def _abort_reasons(
        self,
        module: _Module,
        callee: str,
        keywords: dict[str, ast.expr],
        scope: Scope,
        flow_class: ast.ClassDef | None,
    ) -> Iterator[Values]:
        reason = keywords.get("reason")
        if callee == "async_abort":
            yield self._resolve(module, reason, scope) if reason else None
        elif callee == "_abort_if_unique_id_mismatch":
            yield (
                self._resolve(module, reason, scope)
                if reason
                else frozenset({"unique_id_mismatch"})
            )
        elif callee in _IMPLIED_ABORTS:
            yield frozenset({_IMPLIED_ABORTS[callee]})
        elif callee == "async_set_unique_id":
            progress = keywords.get("raise_on_progress")
            if not (isinstance(progress, ast.Constant) and progress.value is False):
                yield frozenset({"already_in_progress"})
        elif callee in {"async_update_reload_and_abort", "async_update_and_abort"}:
            if reason is not None:
                yield self._resolve(module, reason, scope)
                return
            steps = _methods(flow_class)
            # Without a reason, Home Assistant names the source the flow came from.
            yield frozenset(
                f"{source}_successful"
                for source in ("reauth", "reconfigure")
                if f"async_step_{source}" in steps
            )

    def _action_name(
        self, call: ast.Call, callee: str | None, keywords: dict[str, ast.expr]
    ) -> ast.expr | None:
        if callee in {"async_register", "register"}:
            # The action's name follows the domain in `hass.services.async_register`.
            match call.func:
                case ast.Attribute(value=ast.Attribute(attr="services")):
                    return keywords.get("service") or _positional(call, 1)
            return None
        if callee in _ACTION_NAME_ARGUMENT:
            position, keyword = _ACTION_NAME_ARGUMENT[callee]
            return keywords.get(keyword) or _positional(call, position)
        return None

    def _error_dict(
        self, module: _Module, node: ast.Dict, scope: Scope, flow: str
    ) -> Iterator[Use]:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "base":
                values = self._resolve(module, value, scope)
                yield self._use(ERROR, module, value, values, scope, flow=flow)

    def _error_assignment(
        self, module: _Module, node: ast.Assign, scope: Scope, flow: str
    ) -> Iterator[Use]:
        for target in node.targets:
            match target:
                case ast.Subscript(value=ast.Name(id="errors")):
                    values = self._resolve(module, node.value, scope)
                    yield self._use(ERROR, module, node.value, values, scope, flow=flow)

    def _schema_fields(self, module: _Module, expr: ast.expr | None, scope: Scope) -> Values:
        """Return the keys of a form's schema, or None when they cannot be read."""
        for _ in range(_MAX_DEPTH):
            match expr:
                case ast.Call(
                    func=ast.Attribute(attr="add_suggested_values_to_schema"), args=[first, *_]
                ):
                    expr = first
                case ast.Name(id=name):
                    found = self._constant_node(module, name)
                    if found is None:
                        return None
                    module, expr = found
                    scope = ()
                case ast.Call(args=[ast.Dict(keys=keys)]) if _callee(expr) == "Schema":
                    return self._schema_keys(module, keys, scope)
                case _:
                    return None
        return None

    def _schema_keys(self, module: _Module, keys: list[ast.expr | None], scope: Scope) -> Values:
        fields: set[str] = set()
        for key in keys:
            match key:
                case ast.Call(args=[marker, *_]):
                    values = self._resolve(module, marker, scope)
                case ast.expr():
                    values = self._resolve(module, key, scope)
                case None:
                    values = None
            if values is None:
                return None
            fields |= values
        return frozenset(fields)

    # Resolving values

    def _resolve(self, module: _Module, expr: ast.expr, scope: Scope, depth: int = 0) -> Values:
        if depth > _MAX_DEPTH:
            return None
        match expr:
            case ast.Constant(value=str() as value):
                return frozenset({value})
            case ast.IfExp(body=body, orelse=orelse):
                return _union(
                    self._resolve(module, body, scope, depth + 1),
                    self._resolve(module, orelse, scope, depth + 1),
                )
            case ast.Name(id=name):
                for level in range(len(scope), 0, -1):
                    found = self._in_function(module, scope[:level], name, depth + 1)
                    if found is not _Unbound.UNBOUND:
                        return found
                return self._constant(module, name, depth + 1)
        return None

    def _constant(self, module: _Module, name: str, depth: int) -> Values:
        found = self._constant_node(module, name)
        if found is None:
            return None
        owner, expr = found
        return self._resolve(owner, expr, (), depth + 1)

    def _constant_node(self, module: _Module, name: str) -> tuple[_Module, ast.expr] | None:
        for _ in range(_MAX_DEPTH):
            if name in module.constants:
                return module, module.constants[name]
            if name not in module.imports:
                return None
            target, name = module.imports[name]
            if target not in self._modules:
                return None
            module = self._modules[target]
        return None

    def _in_function(
        self, module: _Module, scope: Scope, name: str, depth: int
    ) -> Values | _Unbound:
        function = scope[-1]
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        names = [argument.arg for argument in [*positional, *arguments.kwonlyargs]]
        if name in names:
            return self._parameter(module, scope, name, depth)
        assigned: list[Values] = []
        for node in ast.walk(function):
            match node:
                case ast.Assign(targets=[ast.Name(id=target)], value=value) if target == name:
                    assigned.append(self._resolve(module, value, scope, depth))
                case ast.For(target=target, iter=ast.Tuple(elts=rows) | ast.List(elts=rows)):
                    assigned.extend(
                        self._loop_values(module, scope, target, rows, name=name, depth=depth)
                    )
        if not assigned:
            return _Unbound.UNBOUND
        return _union(*assigned)

    def _loop_values(
        self,
        module: _Module,
        scope: Scope,
        target: ast.expr,
        rows: list[ast.expr],
        *,
        name: str,
        depth: int,
    ) -> Iterator[Values]:
        match target:
            case ast.Name(id=bound) if bound == name:
                for row in rows:
                    yield self._resolve(module, row, scope, depth)
            case ast.Tuple(elts=targets):
                for position, element in enumerate(targets):
                    if isinstance(element, ast.Name) and element.id == name:
                        for row in rows:
                            match row:
                                case ast.Tuple(elts=cells) if len(cells) == len(targets):
                                    yield self._resolve(module, cells[position], scope, depth)
                                case _:
                                    yield None

    def _parameter(self, module: _Module, scope: Scope, name: str, depth: int) -> Values:
        function = scope[-1]
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        values: list[Values] = []
        default = _default(function, name)
        if default is not None:
            values.append(self._resolve(module, default, scope[:-1], depth))
        position = next((i for i, argument in enumerate(positional) if argument.arg == name), None)
        is_method = bool(positional) and positional[0].arg in {"self", "cls"}
        for caller, call, caller_scope in self._calls.get(function.name, []):
            keyword = next((k.value for k in call.keywords if k.arg == name), None)
            if keyword is not None:
                values.append(self._resolve(caller, keyword, caller_scope, depth))
                continue
            if position is not None:
                shift = 1 if is_method and isinstance(call.func, ast.Attribute) else 0
                argument = _positional(call, position - shift)
                if argument is not None:
                    values.append(self._resolve(caller, argument, caller_scope, depth))
                    continue
            if default is None:
                values.append(None)
        return _union(*values) if values else None


class _Unbound(Enum):
    """A name that a function neither takes nor assigns: look further out."""

    UNBOUND = auto()


def _union(*values: Values) -> Values:
    if any(value is None for value in values):
        return None
    return frozenset().union(*(value for value in values if value is not None))


def _positional(call: ast.Call, position: int) -> ast.expr | None:
    if position < 0 or any(isinstance(argument, ast.Starred) for argument in call.args):
        return None
    return call.args[position] if position < len(call.args) else None


def _default(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> ast.expr | None:
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    offset = len(positional) - len(arguments.defaults)
    for position, argument in enumerate(positional):
        if argument.arg == name and position >= offset:
            return arguments.defaults[position - offset]
    for argument, value in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
        if argument.arg == name:
            return value
    return None


def _methods(node: ast.ClassDef | None) -> set[str]:
    if node is None:
        return set()
    return {
        item.name for item in node.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _walk_with_classes(
    node: ast.AST,
    scope: Scope = (),
    flow: str | None = None,
    flow_class: ast.ClassDef | None = None,
) -> Iterator[tuple[ast.AST, Scope, str | None, ast.ClassDef | None]]:
    """Yield every node with its enclosing functions and the flow class it is in."""
    for child in ast.iter_child_nodes(node):
        yield child, scope, flow, flow_class
        if isinstance(child, ast.ClassDef):
            kind = _flow_of(child.bases)
            yield from _walk_with_classes(child, scope, kind or flow, child if kind else flow_class)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _walk_with_classes(child, (*scope, child), flow, flow_class)
        else:
            yield from _walk_with_classes(child, scope, flow, flow_class)
