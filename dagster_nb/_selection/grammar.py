"""The selection language: one hand-written lexer and recursive-descent parser.

It accepts what Dagster 1.13's ``AssetSelection.from_string`` accepts, decided the way Dagster
decides it:

1. the current syntax (Dagster's ANTLR grammar ``AssetSelection.g4``)::

       key:raw/*  group:g  tag:k=v  owner:"team:x"  kind:dbt  is:external  code_location:x
       +x  x+  2+x+1  *  not x  x and y  x or y  (x)  sinks(x)  roots(x)

   ``and`` binds tighter than ``or``; ``not`` tighter than both; ``+`` alone means every
   level, ``2+`` two levels. Traversals apply to an attribute, a call or a parenthesized
   expression (``+*`` and ``++x`` are errors, as in Dagster);
2. failing that, the older clause syntax of ``dagster asset materialize --select``: one name
   (``a/b`` is a two-part key) with ``*`` (every level) or ``+`` per level on either side:
   ``*a``, ``a*``, ``++a+``; unknown names raise on resolve;
3. failing that, ``tag:`` followed by anything (``tag:team=data-eng``) is a tag.

An extension (not in Dagster): a bare name inside a current-syntax expression (``a or b``,
``sinks(a)``, ``2+a``) is the exact key, as the older syntax reads it. A bare name with a
digit-less ``+`` inside a bigger expression is refused, because ``+a`` means one level in the
older syntax and every level in the current one.

:func:`parse_selection` is the CLI and magics entry point: it also splits comma-separated
lists (outside quotes and parentheses) and, given a graph, reports unknown names with their
position and close matches.

>>> parse_selection("key:a+ and not group:g").to_selection_str()
'key:"a"+ and not group:"g"'
>>> parse_selection("*a, b+")
AssetSelection.assets('a').upstream() | AssetSelection.assets('b').downstream(1)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import reduce
from typing import Any

from dagster_nb._dataclass import dataclass
from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._errors import DagsterInvalidAssetSelectionError, did_you_mean
from dagster_nb._selection._graph_view import KIND_PREFIX, coerce_asset_graph, effective_tags
from dagster_nb._selection.asset_selection import (
    IS_ATTRIBUTE_VALUES,
    AssetSelection,
    CodeLocationAssetSelection,
    GroupWildCardAssetSelection,
    IsAttributeAssetSelection,
    KeysAssetSelection,
    KeyWildCardAssetSelection,
    PartitionsAssetSelection,
    RuntimeAttributeAssetSelection,
    _wildcard_to_regex,
)

__all__ = ["SelectionSyntaxError", "parse_selection", "selection_from_string"]


MAX_NESTING = 100  # parentheses and 'not' together; Python's own parser stops near 200


class SelectionSyntaxError(DagsterInvalidAssetSelectionError):
    """A selection string that does not parse, or names something the graph lacks.

    ``column`` is 1-based; the message ends with the input and a caret under the column.
    """

    def __init__(self, text: str, column: int, problem: str):
        self.text = text
        self.column = column
        self.problem = problem
        shown, at = _window(text, column - 1)
        quoted = repr(text) if len(text) <= _SHOWN else f"of {len(text)} characters"
        super().__init__(
            f"Invalid selection string {quoted}: {problem} (column {column}).\n"
            f"    {shown}\n    {' ' * at}^"
        )


_SHOWN = 120  # longer inputs are shown as a window around the column


def _window(text: str, i: int) -> tuple[str, int]:
    """The text (or up to _SHOWN characters of it around index i) and i's place in it."""
    if len(text) <= _SHOWN:
        return text, i
    lo = max(0, min(i - _SHOWN // 2, len(text) - _SHOWN))
    head, tail = ("..." if lo else ""), ("..." if lo + _SHOWN < len(text) else "")
    return head + text[lo : lo + _SHOWN] + tail, len(head) + i - lo


# ---------------------------------------------------------------------------------------
# Lexer (token rules and tie-breaks as in AssetSelection.g4: longest match, then the rule
# declared first; so `key` is a keyword but `keys` and `key/x` are names)
# ---------------------------------------------------------------------------------------
ATTRIBUTES = (
    "key", "owner", "group", "tag", "kind", "is", "code_location", "status", "column",
    "table_name", "column_tag", "changed_in_branch", "partitions", "automation_type",
    "sensor", "schedule", "job",
)  # fmt: skip
FUNCTIONS = ("sinks", "roots")
_RUNTIME_ATTRIBUTES = frozenset(
    {"status", "column", "table_name", "column_tag", "changed_in_branch", "automation_type",
     "sensor", "schedule", "job"}
)  # fmt: skip
# Keyword tokens that Dagster also accepts as a plain value (`owner:job`).
_KEYWORD_VALUES = frozenset({"sensor", "schedule", "job"})
_OPERATORS = {"and": "AND", "AND": "AND", "or": "OR", "OR": "OR", "not": "NOT", "NOT": "NOT"}
_KEYWORDS = {**_OPERATORS, **{w: "ATTR" for w in ATTRIBUTES}, **{w: "FUNC" for w in FUNCTIONS}}
_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_/]*")
_WILDCARD = re.compile(r"[a-zA-Z_*][a-zA-Z0-9_*/]*")
_DIGITS = re.compile(r"[0-9]+")
_WS = re.compile(r"[ \t\r\n]+")
_PUNCT = {"=": "EQUAL", "+": "PLUS", ":": "COLON", "(": "LPAREN", ")": "RPAREN", ",": "COMMA"}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # AND OR NOT STAR PLUS DIGITS COLON LPAREN RPAREN COMMA EQUAL ATTR FUNC
    #            QUOTED NAME WILDCARD NULL EOF
    text: str
    start: int  # offset in the full input
    end: int

    def describe(self) -> str:
        return "end of input" if self.kind == "EOF" else repr(self.text)


def _tokenize(text: str, lo: int, hi: int) -> list[_Token]:
    tokens: list[_Token] = []
    i = lo
    while i < hi:
        c = text[i]
        m = _WS.match(text, i, hi)
        if m:
            i = m.end()
            continue
        if c in _PUNCT:
            tokens.append(_Token(_PUNCT[c], c, i, i + 1))
            i += 1
            continue
        if c.isascii() and c.isdigit():
            m = _DIGITS.match(text, i, hi)
            assert m is not None
            tokens.append(_Token("DIGITS", m.group(), i, m.end()))
            i = m.end()
            continue
        if c == '"':
            j = i + 1
            while j < hi and text[j] not in '"\\\r\n':
                j += 1
            if j >= hi or text[j] != '"':
                bad = (
                    "an unterminated quoted string"
                    if j >= hi or text[j] in "\r\n"
                    else ("a backslash inside a quoted string (quoted strings cannot escape)")
                )
                raise _ParseFailure(j if j < hi else i, bad)
            tokens.append(_Token("QUOTED", text[i + 1 : j], i, j + 1))
            i = j + 1
            continue
        if text.startswith("<null>", i) and i + 6 <= hi:
            tokens.append(_Token("NULL", "<null>", i, i + 6))
            i += 6
            continue
        if c == "*" or c == "_" or (c.isascii() and c.isalpha()):
            name = _NAME.match(text, i, hi)
            wild = _WILDCARD.match(text, i, hi)
            name_len = name.end() - i if name else 0
            wild_len = wild.end() - i if wild else 0
            best = max(name_len, wild_len)
            word = text[i : i + best]
            kw_len = max(
                (len(k) for k in _KEYWORDS if text.startswith(k, i) and i + len(k) <= hi),
                default=0,
            )
            if kw_len and kw_len >= best:
                kw = text[i : i + kw_len]
                tokens.append(_Token(_KEYWORDS[kw], kw, i, i + kw_len))
                i += kw_len
            elif best == 1 and c == "*":
                tokens.append(_Token("STAR", "*", i, i + 1))
                i += 1
            elif name_len == best:
                tokens.append(_Token("NAME", word, i, i + best))
                i += best
            else:
                tokens.append(_Token("WILDCARD", word, i, i + best))
                i += best
            continue
        raise _ParseFailure(i, f"unexpected character {c!r}")
    tokens.append(_Token("EOF", "", hi, hi))
    return tokens


class _ParseFailure(Exception):
    """Internal: where and why parsing stopped; turned into SelectionSyntaxError at the edge."""

    def __init__(self, pos: int, problem: str):
        super().__init__(problem)
        self.pos = pos
        self.problem = problem


# ---------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Ref:
    """A name the selection mentions, kept with its span for validation against a graph."""

    attribute: str  # "key" (exact or wildcard), "asset" (exact key), group, tag, owner, kind
    value: str
    extra: str | None  # tag value
    start: int
    end: int


_EXPR_START = (
    "an asset selection (key:, group:, tag:, owner:, kind:, an asset name, *, not, '(', "
    "sinks( or roots()"
)


class _Parser:
    def __init__(self, text: str, lo: int, hi: int, include_sources: bool):
        self.text = text
        self.tokens = _tokenize(text, lo, hi)
        self.i = 0
        self.include_sources = include_sources
        self.refs: list[_Ref] = []
        self.used_bare_names = False
        self.nesting = 0  # open parentheses and 'not's, bounded so deep input cannot recurse

    # -- helpers --
    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, tok: _Token, expected: str, hint: str = "") -> _ParseFailure:
        return _ParseFailure(tok.start, f"expected {expected}, got {tok.describe()}{hint}")

    def expect(self, kind: str, expected: str) -> _Token:
        tok = self.peek()
        if tok.kind != kind:
            raise self.fail(tok, expected)
        return self.advance()

    # -- grammar --
    def parse(self) -> AssetSelection:
        sel = self.or_expr()
        tok = self.peek()
        if tok.kind != "EOF":
            hint = ""
            if tok.kind == "COMMA":
                hint = " (from_string takes one selection; join with 'or', or pass a list)"
            elif tok.kind == "RPAREN":
                hint = " (unbalanced ')')"
            raise self.fail(tok, "'and', 'or' or end of input", hint)
        return sel

    def or_expr(self) -> AssetSelection:
        left = self.and_expr()
        while self.peek().kind == "OR":
            self.advance()
            left = left | self.and_expr()
        return left

    def and_expr(self) -> AssetSelection:
        left = self.unary()
        while self.peek().kind == "AND":
            self.advance()
            left = left & self.unary()
        return left

    def nest(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise _ParseFailure(
                self.peek().start,
                f"the selection nests parentheses and 'not' more than {MAX_NESTING} levels "
                "deep; write it flatter (a chain of 'or' / 'and' needs no parentheses)",
            )

    def unary(self) -> AssetSelection:
        if self.peek().kind == "NOT":
            self.advance()
            self.nest()
            operand = self.unary()
            self.nesting -= 1
            return AssetSelection.all(include_sources=self.include_sources) - operand
        return self.primary()

    def primary(self) -> AssetSelection:
        tok = self.peek()
        if tok.kind == "STAR":
            self.advance()
            return AssetSelection.all(include_sources=self.include_sources)
        up: int | None | bool = False  # False: no upstream traversal; None: every level
        if tok.kind == "DIGITS":
            if self.peek(1).kind != "PLUS":
                raise self.fail(self.peek(1), "'+' after the traversal depth")
            up = int(tok.text)
            self.i += 2
        elif tok.kind == "PLUS":
            up = None
            self.advance()
        if up is not False and self.peek().kind in ("STAR", "PLUS"):
            raise self.fail(
                self.peek(),
                "an attribute, '(' or sinks(/roots() after '+'",
                " ('+' applies to key:, group:, ..., a call or a parenthesized expression)",
            )
        atom_tok = self.peek()
        sel, bare = self.traversal_allowed()
        down: int | None | bool = False
        if self.peek().kind == "PLUS":
            self.advance()
            down = None
            if self.peek().kind == "DIGITS":  # whitespace between is fine, as in Dagster
                down = int(self.advance().text)
        if bare and ((up is None) or (down is None)):
            name = atom_tok.text
            raise _ParseFailure(
                atom_tok.start,
                f"ambiguous traversal of the bare name {name!r}: in a larger expression write "
                f"+key:{name} / key:{name}+ (every level) or 1+key:{name} / key:{name}+1 "
                "(one level); alone, the older syntax *name / +name also works",
            )
        if up is not False and down is not False:
            return sel.upstream(depth=up) | sel.downstream(depth=down)
        if up is not False:
            return sel.upstream(depth=up)
        if down is not False:
            return sel.downstream(depth=down)
        return sel

    def traversal_allowed(self) -> tuple[AssetSelection, bool]:
        tok = self.peek()
        if tok.kind == "FUNC":
            self.advance()
            self.expect("LPAREN", f"'(' after {tok.text}")
            inner = self.parenthesized_body()
            return (inner.sinks() if tok.text == "sinks" else inner.roots()), False
        if tok.kind == "LPAREN":
            self.advance()
            return self.parenthesized_body(), False
        if tok.kind == "ATTR":
            return self.attribute(), False
        if tok.kind == "NAME":
            if self.peek(1).kind == "COLON":
                raise _ParseFailure(
                    tok.start,
                    f"unknown attribute '{tok.text}:'"
                    + (
                        did_you_mean(tok.text, ATTRIBUTES)
                        or f" (attributes: {', '.join(ATTRIBUTES[:6])}, ...)"
                    ),
                )
            self.advance()
            self.used_bare_names = True
            key = AssetKey.from_user_string(tok.text)
            self.refs.append(_Ref("asset", tok.text, None, tok.start, tok.end))
            return KeysAssetSelection(selected_keys=(key,)), True
        if tok.kind == "WILDCARD":
            raise _ParseFailure(
                tok.start,
                f"a wildcard needs an attribute: write key:{tok.text}"
                + (
                    " (or use the older syntax alone, e.g. *name)"
                    if tok.text[:1] == "*" or tok.text[-1:] == "*"
                    else ""
                ),
            )
        if tok.kind == "EOF" and self.i > 0:
            prev = self.tokens[self.i - 1]
            raise self.fail(tok, _EXPR_START, f" after {prev.describe()}")
        raise self.fail(tok, _EXPR_START)

    def parenthesized_body(self) -> AssetSelection:
        self.nest()
        inner = self.or_expr()
        tok = self.peek()
        if tok.kind != "RPAREN":
            raise self.fail(tok, "'and', 'or' or ')'")
        self.advance()
        self.nesting -= 1
        return inner

    def value(self, attribute: str) -> tuple[str | None, _Token]:
        tok = self.peek()
        if tok.kind == "NULL":
            self.advance()
            return None, tok
        if tok.kind in ("QUOTED", "NAME") or (tok.kind == "ATTR" and tok.text in _KEYWORD_VALUES):
            self.advance()
            return tok.text, tok
        hint = ""
        if tok.kind in ("ATTR", "FUNC", "AND", "OR", "NOT", "DIGITS", "WILDCARD"):
            hint = f' (quote it: {attribute}:"{tok.text}")'
        raise self.fail(
            tok, f"a value after '{attribute}:' (a name, a \"quoted string\" or <null>)", hint
        )

    def attribute(self) -> AssetSelection:
        attr = self.advance()
        name = attr.text
        self.expect("COLON", f"':' after {name!r}")
        inc = self.include_sources
        if name == "key":
            tok = self.peek()
            if tok.kind not in ("QUOTED", "NAME", "WILDCARD"):
                hint = (
                    ' (quote it: key:"..."; "*" alone is written without key:)'
                    if tok.kind != "EOF"
                    else ""
                )
                raise self.fail(tok, "an asset key after 'key:' (a/b, a* or \"quoted\")", hint)
            self.advance()
            self.refs.append(_Ref("key", tok.text, None, attr.start, tok.end))
            return KeyWildCardAssetSelection(selected_key_wildcard=tok.text)
        if name in ("tag", "column_tag"):
            key, key_tok = self.value(name)
            value: str | None = None
            end = key_tok.end
            if self.peek().kind == "EQUAL":
                self.advance()
                value, val_tok = self.value(name)
                end = val_tok.end
            if name == "column_tag":
                return RuntimeAttributeAssetSelection(
                    attribute=name, value=key, tag_value=value or ""
                )
            if key is not None:
                self.refs.append(_Ref("tag", key, value or "", attr.start, end))
            return AssetSelection.tag(key, value or "", include_sources=inc)  # type: ignore[arg-type]
        v, tok = self.value(name)
        span = (attr.start, tok.end)
        if name == "group":
            if not v:
                return AssetSelection.groups(include_sources=inc)
            self.refs.append(_Ref("group", v, None, *span))
            if "*" in v:
                return GroupWildCardAssetSelection(selected_group_wildcard=v, include_sources=inc)
            return AssetSelection.groups(v, include_sources=inc)
        if name == "owner":
            if v is not None:
                self.refs.append(_Ref("owner", v, None, *span))
            return AssetSelection.owner(v)
        if name == "kind":
            if v is not None:
                self.refs.append(_Ref("kind", v, None, *span))
            return AssetSelection.kind(v, include_sources=inc)
        if name == "is":
            if v not in IS_ATTRIBUTE_VALUES:
                raise _ParseFailure(
                    tok.start,
                    f"invalid 'is:' value {v!r}, expected one of {sorted(IS_ATTRIBUTE_VALUES)}"
                    + did_you_mean(str(v), IS_ATTRIBUTE_VALUES),
                )
            return IsAttributeAssetSelection(attribute=v)
        if name == "code_location":
            return CodeLocationAssetSelection(selected_code_location=v)
        if name == "partitions":
            return PartitionsAssetSelection(selected_partitions=v)
        assert name in _RUNTIME_ATTRIBUTES, name
        return RuntimeAttributeAssetSelection(attribute=name, value=v)


# ---------------------------------------------------------------------------------------
# The older clause syntax (dagster._core.selector.subset_selector.parse_clause)
# ---------------------------------------------------------------------------------------
_CLAUSE = re.compile(r"^(\*?\+*)?([./\w\d\[\]?_-]+)(\+*\*?)?$")


def _clause_depth(part: str) -> int | None:
    if part == "":
        return 0
    if "*" in part:
        return None  # every level (Dagster uses sys.maxsize)
    return len(part)


def _parse_clause(text: str, lo: int, hi: int) -> tuple[AssetSelection, list[_Ref]] | None:
    raw = text[lo:hi]
    stripped = raw.strip()
    m = _CLAUSE.search(stripped)
    if m is None:
        return None
    up_part, name, down_part = (g or "" for g in m.groups())
    start = lo + (len(raw) - len(raw.lstrip())) + m.start(2)
    refs = [_Ref("asset", name, None, start, start + len(name))]
    keys = AssetSelection.assets(name)
    up, down = _clause_depth(up_part), _clause_depth(down_part)
    if up != 0 and down != 0:
        return keys.upstream(depth=up) | keys.downstream(depth=down), refs
    if up != 0:
        return keys.upstream(depth=up), refs
    if down != 0:
        return keys.downstream(depth=down), refs
    return keys, refs


# ---------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------
def _parse_span(
    text: str, lo: int, hi: int, include_sources: bool
) -> tuple[AssetSelection, list[_Ref]]:
    """Dagster's order: current syntax, then the older clause syntax, then ``tag:...``; our
    bare-name extension only when all three fail."""
    try:
        parser = _Parser(text, lo, hi, include_sources)
        extended: AssetSelection | None = parser.parse()
        failure: _ParseFailure | None = None
    except _ParseFailure as exc:
        extended, failure = None, exc
    if extended is not None and not parser.used_bare_names:
        return extended, parser.refs
    clause = _parse_clause(text, lo, hi)
    if clause is not None:
        return clause
    piece = text[lo:hi]
    if piece.startswith("tag:"):
        # Dagster's fallback for tag values the grammar cannot lex, e.g. tag:team=data-eng.
        tag_text = piece[len("tag:") :]
        if tag_text.count("=") > 1:
            raise SelectionSyntaxError(
                text,
                lo + 5 + tag_text.index("=", tag_text.index("=") + 1),
                "a tag selection has at most one '='",
            )
        sel = AssetSelection.tag_string(tag_text)
        return sel, [_Ref("tag", sel.key or "", sel.value, lo, hi)]
    if extended is not None:
        return extended, parser.refs
    assert failure is not None
    raise SelectionSyntaxError(text, failure.pos + 1, failure.problem)


def selection_from_string(string: str, include_sources: bool = False) -> AssetSelection:
    """``AssetSelection.from_string``: one selection (no comma lists), as Dagster parses it.

    >>> selection_from_string("2+key:c")
    AssetSelection.from_string('key:"c"').upstream(2)
    """
    if not isinstance(string, str):
        raise DagsterInvalidAssetSelectionError(
            f"A selection string must be a str, got {type(string).__name__}."
        )
    return _parse_span(string, 0, len(string), include_sources)[0]


def _split_top_level_commas(text: str) -> list[tuple[int, int]]:
    spans, depth, quoted, start = [], 0, False, 0
    for i, c in enumerate(text):
        if c == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(text)))
    return spans


def parse_selection(text: str, graph: Any = None, include_sources: bool = False) -> AssetSelection:
    """Parse what a user types after ``%materialize`` or ``--select``.

    Like ``dagster asset materialize --select``, a comma-separated list is the union of its
    parts (commas inside quotes or parentheses do not split). With ``graph`` (an AssetGraph or
    anything with ``resolve_asset_graph()``), names that match nothing raise a
    :class:`SelectionSyntaxError` pointing at them, with close matches.

    >>> parse_selection("key:a or tag:team=data")
    AssetSelection.from_string('key:"a"') | AssetSelection.tag('team', 'data')
    """
    if not isinstance(text, str):
        raise DagsterInvalidAssetSelectionError(
            f"A selection string must be a str, got {type(text).__name__}."
        )
    selections: list[AssetSelection] = []
    refs: list[_Ref] = []
    for lo, hi in _split_top_level_commas(text):
        if not text[lo:hi].strip() and text.strip():
            raise SelectionSyntaxError(text, lo + 1, "empty item in the comma-separated list")
        sel, piece_refs = _parse_span(text, lo, hi, include_sources)
        selections.append(sel)
        refs.extend(piece_refs)
    if graph is not None:
        _check_names(text, refs, coerce_asset_graph(graph))
    return reduce(lambda a, b: a | b, selections)


def _check_names(text: str, refs: Iterable[_Ref], graph: Any) -> None:
    nodes = graph.nodes
    user_strings: list[str] | None = None
    for ref in refs:
        if ref.attribute in ("key", "asset"):
            if user_strings is None:
                user_strings = [k.to_user_string() for k in nodes]
            if ref.attribute == "asset" or "*" not in ref.value:
                found = (
                    AssetKey.from_user_string(ref.value) in nodes
                    if ref.attribute == "asset"
                    else ref.value in user_strings
                )
                what = f"no asset has key {ref.value!r}"
                pool: Iterable[str] = user_strings
            else:
                regex = _wildcard_to_regex(ref.value)
                found = any(regex.match(s) for s in user_strings)
                what = f"no asset key matches {ref.value!r}"
                pool = user_strings
        elif ref.attribute == "group":
            groups = {n.group_name for n in nodes.values() if n.group_name is not None}
            if "*" in ref.value:
                regex = _wildcard_to_regex(ref.value)
                found = any(regex.match(g) for g in groups)
                what = f"no group matches {ref.value!r}"
            else:
                found = ref.value in groups
                what = f"no group named {ref.value!r}"
            pool = groups
        elif ref.attribute == "tag":
            pairs = {(k, v) for n in nodes.values() for k, v in effective_tags(n).items()}
            found = (ref.value, ref.extra) in pairs
            shown = f"{ref.value}={ref.extra}" if ref.extra else ref.value
            what = f"no asset has tag {shown!r}"
            pool = {f"{k}={v}" if v else k for k, v in pairs if not k.startswith(KIND_PREFIX)}
            ref = _Ref(ref.attribute, shown, None, ref.start, ref.end)
        elif ref.attribute == "owner":
            owners = {o for n in nodes.values() for o in n.owners}
            found, what, pool = ref.value in owners, f"no asset is owned by {ref.value!r}", owners
        elif ref.attribute == "kind":
            kinds = {k for n in nodes.values() for k in n.kinds} | {
                t[len(KIND_PREFIX) :]
                for n in nodes.values()
                for t in n.tags
                if t.startswith(KIND_PREFIX)
            }
            found, what, pool = ref.value in kinds, f"no asset has kind {ref.value!r}", kinds
        else:  # pragma: no cover - every _Ref kind is handled above
            continue
        if not found:
            raise SelectionSyntaxError(
                text, ref.start + 1, what + "." + did_you_mean(ref.value, pool)
            )
