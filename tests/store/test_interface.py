"""The SQL store implements every method the Store protocol promises, with the same parameters."""

import inspect

from frameline.store.base import Store
from frameline.store.sql import SqlStore


def test_sqlstore_implements_the_whole_protocol():
    promised = {name for name, member in vars(Store).items() if callable(member) and not name.startswith("_")}
    assert promised, "the protocol declares methods"
    for name in sorted(promised):
        implementation = getattr(SqlStore, name, None)
        assert implementation is not None, f"SqlStore lacks {name}"
        expected = list(inspect.signature(getattr(Store, name)).parameters)
        actual = list(inspect.signature(implementation).parameters)
        assert actual[:len(expected)] == expected, f"{name}: {actual} != {expected}"
