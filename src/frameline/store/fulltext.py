"""Full-text search, compiled per database from one parsed query.

SQLite answers with its FTS5 index (`documents_fts`, bm25 ranking), PostgreSQL
with the generated `search_vector` tsvector (GIN index, ts_rank).  Both index
the normalised columns, so the query terms arrive already normalised.

`matches` gives the matching document ids with their rank from the index alone
(on SQLite without touching `documents`, whose rows are large), so storage can
count, cap and rank before it joins anything.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, cast, column, func, literal, literal_column, select, table
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.sql import Select

from frameline.store.query import ParsedQuery, Term
from frameline.store.schema import documents


class Fts5Search:
    """SQLite FTS5: the whole query becomes one MATCH expression."""

    fts = table("documents_fts", column("rowid"))

    @staticmethod
    def _term(term: Term) -> str:
        quoted = '"' + term.text.replace('"', '""') + '"'
        return quoted + ("*" if term.prefix else "")

    def match_expression(self, query: ParsedQuery) -> str:
        positives, negatives = [], []
        for clause in query.clauses:
            alternatives = " OR ".join(self._term(term) for term in clause.alternatives)
            if len(clause.alternatives) > 1:
                alternatives = f"({alternatives})"
            (negatives if clause.negated else positives).append(alternatives)
        expression = " AND ".join(positives)
        for negative in negatives:
            expression = f"({expression}) NOT {negative}"
        return expression

    def apply(self, statement: Select, query: ParsedQuery) -> tuple[Select, ColumnElement]:
        statement = statement.join(self.fts, self.fts.c.rowid == documents.c.id).where(
            literal_column("documents_fts").op("MATCH")(self.match_expression(query))
        )
        # bm25 is lower-is-better; a title hit weighs twice a body hit.
        rank = literal_column("bm25(documents_fts, 2.0, 1.0)")
        return statement, rank

    def matches(self, query: ParsedQuery) -> tuple[Select, ColumnElement]:
        """(SELECT document_id, rank … WHERE the query matches, the id column to filter and order by)."""
        statement = select(self.fts.c.rowid.label("document_id"), self.RANK.label("rank")).select_from(self.fts).where(
            literal_column("documents_fts").op("MATCH")(self.match_expression(query))
        )
        return statement, self.fts.c.rowid

    RANK = literal_column("bm25(documents_fts, 2.0, 1.0)")  # lower is better; a title hit weighs twice a body hit


class TsvectorSearch:
    """PostgreSQL: each term becomes a tsquery, combined with &&, || and !!."""

    vector = literal_column("documents.search_vector")

    @staticmethod
    def _term(term: Term) -> ColumnElement:
        if term.prefix:
            lexeme = "'" + term.text.replace("'", "''").replace("\\", "\\\\") + "':*"
            return func.to_tsquery(cast(literal("simple"), REGCONFIG), lexeme)
        return func.phraseto_tsquery(cast(literal("simple"), REGCONFIG), term.text)

    def tsquery(self, query: ParsedQuery) -> ColumnElement:
        positive = None
        for clause in query.clauses:
            alternatives = None
            for term in clause.alternatives:
                part = self._term(term)
                alternatives = part if alternatives is None else alternatives.op("||")(part)
            if clause.negated:
                alternatives = func.tsquery_not(alternatives)  # the function behind the !! operator
            positive = alternatives if positive is None else positive.op("&&")(alternatives)
        return positive

    def apply(self, statement: Select, query: ParsedQuery) -> tuple[Select, ColumnElement]:
        tsquery = self.tsquery(query)
        statement = statement.where(self.vector.op("@@")(tsquery))
        # ts_rank is higher-is-better; negate so both backends sort ascending.
        return statement, -func.ts_rank(self.vector, tsquery)

    def matches(self, query: ParsedQuery) -> tuple[Select, ColumnElement]:
        tsquery = self.tsquery(query)
        statement = select(documents.c.id.label("document_id"), (-func.ts_rank(self.vector, tsquery)).label("rank"))
        return statement.where(self.vector.op("@@")(tsquery)), documents.c.id


def search_backend(dialect_name: str) -> Fts5Search | TsvectorSearch:
    return Fts5Search() if dialect_name == "sqlite" else TsvectorSearch()

