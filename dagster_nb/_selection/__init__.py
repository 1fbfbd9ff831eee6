"""Asset selection: the AssetSelection algebra and the selection-string parser.

Pure: resolves against :class:`dagster_nb._definitions.asset_graph.AssetGraph`; imports no
storage, IPython or widgets.

>>> from dagster_nb._selection import AssetSelection, parse_selection
>>> str(parse_selection("group:sales and not key:raw/*"))
'group:"sales" and not key:"raw/*"'
>>> AssetSelection.groups("sales") | AssetSelection.assets("raw/orders").upstream()
AssetSelection.groups('sales') | AssetSelection.assets('raw/orders').upstream()
"""

from dagster_nb._selection.asset_selection import AssetSelection as AssetSelection
from dagster_nb._selection.asset_selection import (
    CoercibleToAssetSelection as CoercibleToAssetSelection,
)
from dagster_nb._selection.grammar import SelectionSyntaxError as SelectionSyntaxError
from dagster_nb._selection.grammar import parse_selection as parse_selection

__all__ = ["AssetSelection", "CoercibleToAssetSelection", "SelectionSyntaxError", "parse_selection"]
