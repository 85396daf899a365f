"""What is searched for each kind of record, and how it is matched and ranked on PostgreSQL.

Each `Document` is SQL over one table, written against a table alias. The same expressions,
without the alias, are the GIN expression indexes in this app's migrations: PostgreSQL
maintains the `tsvector` and the trigram text as index entries, so no trigger and no service
writes anything extra. An expression here and its index must stay identical, or the index is
not used (`tests/search/test_postgres.py` checks the plans).
"""

# The SQL here is built once, at import, from constants; user input only ever travels as parameters.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

# Parameters every query gets: %(team)s, %(q)s (the query), %(like)s (`%q%`, escaped), %(limit)s.
TSQUERY = "websearch_to_tsquery('english'::regconfig, %(q)s)"
# pg_trgm's default word-similarity threshold (0.6) misses one-letter typos in short words
# ("heatpmp" is 0.5 similar to "heat pump"). The `<%` operator and its GIN index read the threshold
# from the session setting `pg_trgm.word_similarity_threshold`, which every connection sets at
# connect time to `settings.SEARCH_WORD_SIMILARITY_THRESHOLD` (see `config.settings.database`).
# Hits found through a related record (a job through its site) rank just below the record itself.
RELATED_WEIGHT = 0.8
# Only an exact identifier match (serial number, email, invoice number) scores 1.0.
EXACT_SCORE = 1.0
FUZZY_CEILING = 0.99


@dataclass(frozen=True)
class Document:
    """The searchable text of one table: a weighted `tsvector`, a trigram text, and an exact identifier."""

    vector: str
    text: str
    exact: str | None = None
    # A condition every matching row meets, and the predicate of partial indexes (jobs: notes not empty).
    present: str | None = None

    def _on(self, template: str, alias: str) -> str:
        return template.format(a=f"{alias}." if alias else "")

    def match(self, alias: str) -> str:
        """Full-text match, or a fuzzy word match (typos), or a substring (partial serials, postcodes)."""
        vector, text = self._on(self.vector, alias), self._on(self.text, alias)
        match = f"({vector} @@ {TSQUERY} OR %(q)s <%% ({text}) OR ({text}) ILIKE %(like)s)"
        return f"({self._on(self.present, alias)} AND {match})" if self.present else match

    def score(self, alias: str) -> str:
        """1.0 for an exact identifier; else the better of `ts_rank` and trigram word similarity, below 1."""
        vector, text = self._on(self.vector, alias), self._on(self.text, alias)
        fuzzy = f"LEAST({FUZZY_CEILING}, GREATEST(ts_rank({vector}, {TSQUERY}), word_similarity(%(q)s, {text})))"
        if self.exact is None:
            return f"{fuzzy}::float8"
        exact = self._on(self.exact, alias)
        return f"(CASE WHEN lower({exact}) = lower(%(q)s) THEN {EXACT_SCORE} ELSE {fuzzy} END)::float8"


def _weighted(*parts: tuple[str, str, str]) -> str:
    """`setweight(to_tsvector(config, text), weight) || …` for (config, text, weight) parts."""
    return " || ".join(
        f"setweight(to_tsvector('{config}'::regconfig, {text}), '{weight}')" for config, text, weight in parts
    )


def _text(*columns: str) -> str:
    return " || ' ' || ".join(f"COALESCE({{a}}{column}, '')" for column in columns)


CLIENT = Document(
    vector=_weighted(("english", _text("name"), "A"), ("simple", _text("email"), "B")),
    text=_text("name", "email"),
    exact="{a}email",
)
SITE = Document(
    vector=_weighted(("english", _text("name"), "A"), ("simple", _text("postcode", "address_line1", "city"), "B")),
    text=_text("name", "postcode", "address_line1", "city"),
)
PROJECT = Document(vector=_weighted(("english", _text("name"), "A")), text=_text("name"))
ASSET = Document(
    vector=_weighted(("english", _text("name"), "A"), ("simple", _text("serial_number", "model", "manufacturer"), "B")),
    text=_text("name", "serial_number", "model", "manufacturer"),
    exact="{a}serial_number",
)
# Most jobs have no notes, and empty text never matches a (non-empty) query: the job indexes are
# partial, `WHERE notes <> ''`, so they hold only jobs with notes and cost nothing to the others.
JOB_NOTES = Document(vector=_weighted(("english", _text("notes"), "A")), text=_text("notes"), present="{a}notes <> ''")
# Job types are few per team and not indexed: they are matched in a subquery over the team's types.
JOB_TYPE = Document(vector=_weighted(("english", _text("name", "key"), "A")), text=_text("name", "key"))
INVOICE = Document(vector=_weighted(("simple", _text("number"), "A")), text=_text("number"), exact="{a}number")


def ranked(table: str, document: Document) -> str:
    """`(id, score)` of the team's rows of `table` that match."""
    return (
        f"SELECT r.id, {document.score('r')} AS score FROM {table} r "
        f"WHERE r.team_id = %(team)s AND {document.match('r')}"
    )


def top(table: str, document: Document, columns: str, joins: str = "") -> str:
    """The best `limit` matching rows of one table, with the columns their title and subtitle need."""
    return (
        f"SELECT r.id, {document.score('r')} AS score, {columns} FROM {table} r {joins} "
        f"WHERE r.team_id = %(team)s AND {document.match('r')} "
        "ORDER BY score DESC, r.created_at DESC, r.id LIMIT %(limit)s"
    )


def _sites_matching_or_of_matching_clients() -> str:
    """Sites that match, or whose client matches, with the better of the two scores."""
    return (
        f"SELECT s.id, GREATEST({SITE.score('s')}, COALESCE(mc.score, 0)) AS score FROM projects_site s "
        f"LEFT JOIN ({ranked('projects_client', CLIENT)}) mc ON mc.id = s.client_id "
        f"WHERE s.team_id = %(team)s AND ({SITE.match('s')} OR mc.id IS NOT NULL)"
    )


def _related_branch(table: str, foreign_key: str, related: str) -> str:
    """The best `limit` rows of `table` found through a related record, at the related weight.

    Every row found through one related record has that record's score, so the best `limit` overall
    are among the newest `limit` of each matching related record: a `LATERAL … LIMIT` reads just those
    from the `(team, foreign key, created_at, id)` index, instead of scoring and sorting every row
    of a popular job type or site (125,000 jobs of a team of 500,000 for "boiler service").
    """
    return (
        f"(SELECT r.id, {RELATED_WEIGHT} * m.score AS score FROM ({related}) m "
        f"CROSS JOIN LATERAL (SELECT j.id, j.created_at FROM {table} j "
        f"WHERE j.team_id = %(team)s AND j.{foreign_key} = m.id "
        "ORDER BY j.created_at DESC, j.id LIMIT %(limit)s) r "
        "ORDER BY score DESC, r.created_at DESC, r.id LIMIT %(limit)s)"
    )


def _own_branch(table: str, document: Document) -> str:
    return f"({ranked(table, document)} ORDER BY score DESC, r.created_at DESC, r.id LIMIT %(limit)s)"


def _union_top(table: str, branches: list[str], columns: str, joins: str) -> str:
    """Merge branches (each already cut to `limit`) keeping each row's best score, then the top `limit`."""
    union = " UNION ALL ".join(branches)
    return (
        f"SELECT r.id, hits.score, {columns} FROM "
        f"(SELECT id, max(score) AS score FROM ({union}) branches GROUP BY id) hits "
        f"JOIN {table} r ON r.id = hits.id {joins} "
        "ORDER BY hits.score DESC, r.created_at DESC, r.id LIMIT %(limit)s"
    )


# One statement per kind of record. Columns are named as the hit builders in `selectors` expect.
JOB_SQL = _union_top(
    "jobs_job",
    [
        _own_branch("jobs_job", JOB_NOTES),
        _related_branch("jobs_job", "job_type_id", ranked("jobs_jobtype", JOB_TYPE)),
        _related_branch("jobs_job", "site_id", _sites_matching_or_of_matching_clients()),
    ],
    columns="t.name AS job_type_name, r.status, r.scheduled_date, s.name AS site_name, c.name AS client_name",
    joins=(
        "JOIN jobs_jobtype t ON t.id = r.job_type_id LEFT JOIN projects_site s ON s.id = r.site_id "
        "LEFT JOIN projects_client c ON c.id = COALESCE(r.client_id, s.client_id)"
    ),
)
ASSET_SQL = top(
    "assets_asset",
    ASSET,
    columns="r.name, r.manufacturer, r.model, r.serial_number, s.name AS site_name",
    joins="JOIN projects_site s ON s.id = r.site_id",
)
PROJECT_SQL = top(
    "projects_project",
    PROJECT,
    columns="r.name, c.name AS client_name",
    joins="JOIN projects_client c ON c.id = r.client_id",
)
CLIENT_SQL = top("projects_client", CLIENT, columns="r.name, r.email")
SITE_SQL = top("projects_site", SITE, columns="r.name, r.address_line1, r.city, r.postcode")
INVOICE_SQL = _union_top(
    "invoicing_invoice",
    [
        _own_branch("invoicing_invoice", INVOICE),
        _related_branch("invoicing_invoice", "client_id", ranked("projects_client", CLIENT)),
    ],
    columns="r.number, r.status, r.total, r.currency, c.name AS client_name",
    joins="JOIN projects_client c ON c.id = r.client_id",
)
