"""Names for type checkers only: imported under ``if TYPE_CHECKING:``, never at run time.

``**kwargs: Unpack[NoExtraKwargs]`` on a public function or constructor keeps a ``**kwargs``
at run time (so an unknown keyword gets our ``TypeError`` with a did-you-mean) while a type
checker sees no extra keywords at all, and reports ``Unexpected keyword argument "grup_name"
for "asset"; did you mean "group_name"?``::

    def asset(compute_fn=None, *, group_name: str | None = None,
              **kwargs: Unpack[NoExtraKwargs]) -> ...: ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

from typing_extensions import TypedDict, Unpack

from dagster_nb._definitions.asset_key import AssetKey
from dagster_nb._definitions.asset_spec import AssetDep, AssetSpec
from dagster_nb._definitions.assets import AssetsDefinition, SourceAsset

__all__ = ["NoExtraKwargs", "Unpack", "CoercibleToAssetDep"]


class NoExtraKwargs(TypedDict):
    """No keyword beyond the named parameters (PEP 692)."""


# What deps=[...] accepts (as Dagster's CoercibleToAssetDep).
CoercibleToAssetDep = Union[AssetKey, str, Sequence[str], AssetSpec, AssetsDefinition, SourceAsset, AssetDep]
