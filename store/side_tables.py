"""Tables of one purpose kept beside the versions in an SQL store (plan review, task
link decisions): made when first opened, queried in the store's own parameter style."""

from __future__ import annotations

from store.base import StoreError
from store.sql import SQLStore


class SideTables:
    """The base of a store's side tables: ``DDL`` runs on opening, ``PURPOSE`` names
    what needs them in the error raised on a store that is not SQL."""

    DDL: tuple[str, ...] = ()
    PURPOSE = ""

    def __init__(self, store: SQLStore):
        if not isinstance(store, SQLStore):
            raise StoreError(f"{self.PURPOSE} needs an SQL store (SQLite or PostgreSQL)")
        self.store = store
        with store._write() as cur:
            for statement in self.DDL:
                cur.execute(statement)

    def _q(self, cur, text: str, params: tuple = ()):
        cur.execute(self.store._sql(text), params)
        return cur
