"""The selection-string parser: current syntax, the older CLI clause syntax, errors."""

from __future__ import annotations

import pytest
from selection_helpers import names

from dagster_nb._errors import DagsterInvalidAssetSelectionError, DagsterInvalidSubsetError
from dagster_nb._selection import AssetSelection, SelectionSyntaxError, parse_selection


def sel(text, graph):
    return names(AssetSelection.from_string(text).resolve(graph))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key:report", {"report"}),
        ('key:"marts/revenue"', {"marts/revenue"}),
        ("key:marts/revenue", {"marts/revenue"}),
        ("key:stg/*", {"stg/orders", "stg/users"}),
        ("key:*orders", {"raw/orders", "stg/orders"}),
        ("key:ext_src", {"ext_src"}),  # key: matches external assets too, as in Dagster
        ("key:nope", set()),  # ... and unknown keys select nothing
        ("group:raw", {"raw/orders", "raw/users"}),
        ('group:"m*"', {"marts/revenue", "report", "m1", "m2"}),
        ("tag:layer=silver", {"stg/orders", "stg/users"}),
        ('tag:"pii"', {"raw/users", "stg/users"}),
        ('owner:"team:analytics"', {"marts/revenue", "report"}),
        (
            "owner:alice@example.com".replace("alice@example.com", '"alice@example.com"'),
            {"marts/revenue"},
        ),
        ("kind:dbt", {"stg/orders", "stg/users", "marts/revenue"}),
        ("kind:<null>", {"report", "orphan", "m1", "m2"}),
        ("is:external", {"ext_src", "ext_child", "ghost"}),
        (
            "+key:report",
            {"report", "marts/revenue", "stg/orders", "stg/users", "raw/orders", "raw/users"},
        ),
        ("1+key:report", {"report", "marts/revenue"}),
        ("2+key:report", {"report", "marts/revenue", "stg/orders", "stg/users"}),
        ("key:stg/users+", {"stg/users", "marts/revenue", "report", "ext_child", "m2"}),
        ("key:stg/users+1", {"stg/users", "marts/revenue", "m2"}),
        ("key:stg/users + 1", {"stg/users", "marts/revenue", "m2"}),
        ("1+key:stg/users+1", {"stg/users", "marts/revenue", "m2", "raw/users"}),
        (
            "*",
            {
                "raw/orders",
                "raw/users",
                "stg/orders",
                "stg/users",
                "marts/revenue",
                "report",
                "orphan",
                "m1",
                "m2",
            },
        ),
        (
            "not group:raw and not group:staging and not group:multi",
            {"marts/revenue", "report", "orphan"},
        ),
        ("group:raw or group:marts and kind:dbt", {"raw/orders", "raw/users", "marts/revenue"}),
        ("(group:raw or group:marts) and kind:python", {"raw/orders", "raw/users"}),
        ("NOT group:raw AND kind:python", set()),
        ("not not group:raw", {"raw/orders", "raw/users"}),
        ("sinks(group:raw or group:staging)", {"stg/orders", "stg/users"}),
        ("roots(+key:report)", {"raw/orders", "raw/users"}),
        ("sinks(key:raw/orders)+1", {"raw/orders", "stg/orders"}),
        (
            "+(key:m1 or key:report)",
            {"m1", "report", "marts/revenue", "stg/orders", "stg/users", "raw/orders", "raw/users"},
        ),
        ("code_location:anything and group:raw", {"raw/orders", "raw/users"}),
        ("tag:layer=data-eng", set()),  # Dagster's fallback for values the grammar cannot lex
    ],
)
def test_current_syntax(text, expected, graph):
    assert sel(text, graph) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("report", {"report"}),
        ("marts/revenue", {"marts/revenue"}),
        (
            "*report",
            {"report", "marts/revenue", "stg/orders", "stg/users", "raw/orders", "raw/users"},
        ),
        ("+report", {"report", "marts/revenue"}),  # one level: the older syntax counts '+'
        ("++report", {"report", "marts/revenue", "stg/orders", "stg/users"}),
        ("raw/users+", {"raw/users", "stg/users"}),
        ("raw/users*", {"raw/users", "stg/users", "marts/revenue", "report", "ext_child", "m2"}),
        ("+stg/users+", {"stg/users", "raw/users", "marts/revenue", "m2"}),
        ("  report  ", {"report"}),
    ],
)
def test_older_clause_syntax(text, expected, graph):
    assert sel(text, graph) == expected


def test_older_syntax_unknown_key_raises_with_suggestion(graph):
    with pytest.raises(DagsterInvalidSubsetError, match="Did you mean 'report'"):
        AssetSelection.from_string("reprt").resolve(graph)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("report or m1", {"report", "m1"}),
        ("sinks(raw/orders or raw/users)", {"raw/orders", "raw/users"}),
        ("2+report and not group:staging", {"report", "marts/revenue"}),
        ("report+1 or m1", {"report", "m1"}),
    ],
)
def test_bare_names_inside_expressions(text, expected, graph):
    assert sel(text, graph) == expected


def test_ambiguous_bare_traversal_is_refused_with_both_spellings():
    with pytest.raises(SelectionSyntaxError) as err:
        AssetSelection.from_string("+report or m1")
    assert "+key:report" in str(err.value) and "1+key:report" in str(err.value)
    assert err.value.column == 2


def test_comma_lists_are_the_cli_form():
    assert parse_selection("*a, b+") == AssetSelection.assets(
        "a"
    ).upstream() | AssetSelection.assets("b").downstream(1)
    assert parse_selection('key:"x,y"') == AssetSelection.from_string('key:"x,y"')
    with pytest.raises(SelectionSyntaxError, match="from_string takes one selection") as err:
        AssetSelection.from_string("a,b")
    assert err.value.column == 2


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("key:a or", 9, "expected an asset selection"),
        ("key:a and (group:b", 19, "expected 'and', 'or' or ')', got end of input"),
        ("group:", 7, "a value after 'group:'"),
        ("group:key", 7, 'quote it: group:"key"'),
        ("grup:raw", 1, "unknown attribute 'grup:' Did you mean 'group'?"),
        ("+*", 2, "'+' applies to"),
        ("*+", 2, "expected 'and', 'or' or end of input"),
        ("key:*", 5, "an asset key after 'key:'"),
        ("is:extrnal", 4, "Did you mean 'external'?"),
        ("group:m*", 7, 'quote it: group:"m*"'),
        ("key:a)", 6, "unbalanced ')'"),
        ('key:"abc', 5, "unterminated quoted string"),
        ("key:a - key:b", 7, "unexpected character '-'"),
        ("3key:a", 2, "expected '+' after the traversal depth"),
        ("", 1, "got end of input"),
    ],
)
def test_syntax_errors_point_at_the_problem(text, column, fragment):
    with pytest.raises(SelectionSyntaxError) as err:
        AssetSelection.from_string(text)
    e = err.value
    assert isinstance(e, DagsterInvalidAssetSelectionError)
    assert e.column == column, str(e)
    assert fragment in str(e)
    lines = str(e).splitlines()
    assert lines[-2].strip() == text.strip() or text == ""
    assert lines[-1].index("^") - lines[-2].index(text[:1] or " ") == column - 1 or text == ""


def test_error_message_layout():
    with pytest.raises(SelectionSyntaxError) as err:
        AssetSelection.from_string("key:a or")
    assert str(err.value) == (
        "Invalid selection string 'key:a or': expected an asset selection (key:, group:, tag:, "
        "owner:, kind:, an asset name, *, not, '(', sinks( or roots(), got end of input after "
        "'or' (column 9).\n    key:a or\n            ^"
    )


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("key:marts/revenu+", 1, "no asset has key 'marts/revenu'. Did you mean 'marts/revenue'?"),
        ("group:stagin or key:m1", 1, "no group named 'stagin'. Did you mean 'staging'?"),
        (
            "key:m1 or tag:layer=silvr",
            11,
            "no asset has tag 'layer=silvr'. Did you mean one of 'layer=silver'",
        ),
        ("kind:dbtt", 1, "Did you mean 'dbt'?"),
        ('owner:"team:analytic"', 1, "Did you mean 'team:analytics'?"),
        ("m1, reprot", 5, "no asset has key 'reprot'. Did you mean 'report'?"),
        ("*reprot", 2, "Did you mean 'report'?"),
        ("key:zz*", 1, "no asset key matches 'zz*'"),
    ],
)
def test_parse_selection_with_graph_names_unknown_names(text, column, fragment, graph):
    with pytest.raises(SelectionSyntaxError) as err:
        parse_selection(text, graph)
    assert err.value.column == column
    assert fragment in str(err.value)


def test_parse_selection_with_graph_accepts_known_names(graph):
    s = parse_selection("key:stg/* and tag:layer=silver, group:raw, *report", graph)
    assert names(s.resolve(graph)) >= {"stg/orders", "raw/orders", "report"}


def test_runtime_attributes_parse_but_do_not_resolve(graph):
    s = AssetSelection.from_string("status:failed or column:id")
    assert s.to_selection_str() == 'status:"failed" or column:"id"'
    with pytest.raises(DagsterInvalidAssetSelectionError, match="runtime state"):
        s.resolve(graph)


def test_keywords_as_values_and_names():
    assert AssetSelection.from_string("owner:job") == AssetSelection.owner("job")
    # 'keys' and 'key/x' are names, not the keyword 'key'
    assert AssetSelection.from_string("key:keys") == AssetSelection.from_string('key:"keys"')
    assert AssetSelection.from_string("key/x") == AssetSelection.assets("key/x")
