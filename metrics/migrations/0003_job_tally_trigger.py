"""The trigger that keeps `metrics_jobtally` (see `metrics.models`) exactly in step with `jobs_job`.

Statement-level triggers with transition tables: one `INSERT … ON CONFLICT` per statement on jobs,
whatever the number of rows (a seed's COPY of 500,000 jobs is one aggregate). An UPDATE adds the new
rows and subtracts the old; updates that change nothing tallied (notes, engineer, …) write nothing.
Rows are upserted in key order, so concurrent statements lock tally rows in the same order.
A team's timezone change re-tallies that team; deleting a team deletes its tallies.
PostgreSQL only (on SQLite this migration does nothing and metrics read the jobs).
"""

from django.db import migrations

from metrics.migrations._postgres import PostgresOnlyRunSQL

OPEN = "('PENDING', 'ASSIGNED', 'IN_PROGRESS')"
COLUMNS = "team_id, created_at, completed_at, scheduled_date, status, result_type, job_type_id"


def tally(source: str) -> str:
    """Add the rows of `source` (the job COLUMNS plus a `delta` of +1 or -1) to the tallies."""
    return f"""
WITH d AS ({source}),
z AS (SELECT id AS team_id, metrics_zone(timezone) AS zone FROM accounts_team
      WHERE id IN (SELECT DISTINCT team_id FROM d))
INSERT INTO metrics_jobtally AS t (team_id, kind, day, job_type_id, status, result_type, count)
SELECT x.team_id, x.kind, x.day, x.job_type_id, x.status, x.result_type, sum(x.delta)
FROM (
    SELECT d.team_id, 1 AS kind, (d.created_at AT TIME ZONE z.zone)::date AS day, d.job_type_id,
           d.status, coalesce(d.result_type, '') AS result_type, d.delta
    FROM d JOIN z USING (team_id)
    UNION ALL
    SELECT d.team_id, 2, (d.completed_at AT TIME ZONE z.zone)::date, d.job_type_id, '', '', d.delta
    FROM d JOIN z USING (team_id) WHERE d.completed_at IS NOT NULL
    UNION ALL
    SELECT d.team_id, 3, d.scheduled_date, d.job_type_id, '', '', d.delta
    FROM d JOIN z USING (team_id) WHERE d.status IN {OPEN} AND d.scheduled_date IS NOT NULL
) x
GROUP BY 1, 2, 3, 4, 5, 6
HAVING sum(x.delta) <> 0
ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT (team_id, kind, day, job_type_id, status, result_type)
DO UPDATE SET count = t.count + EXCLUDED.count"""


NEW = f"SELECT {COLUMNS}, 1 AS delta FROM new_rows"
OLD = f"SELECT {COLUMNS}, -1 AS delta FROM old_rows"

FORWARD = [
    """
CREATE FUNCTION metrics_zone(name text) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM now() AT TIME ZONE name;
    RETURN name;
EXCEPTION WHEN OTHERS THEN
    RETURN 'UTC';  -- as metrics.selectors.team_zone does for a name it does not know
END $$""",
    f"""
CREATE FUNCTION metrics_tally_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {tally(NEW)};
    ELSIF TG_OP = 'DELETE' THEN
        {tally(OLD)};
    ELSE
        {tally(f"{NEW} UNION ALL {OLD}")};
    END IF;
    RETURN NULL;
END $$""",
    f"""
CREATE FUNCTION metrics_retally_team() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM metrics_jobtally WHERE team_id = OLD.id;
    IF TG_OP = 'UPDATE' THEN
        {tally(f"SELECT {COLUMNS}, 1 AS delta FROM jobs_job WHERE team_id = NEW.id")};
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER metrics_tally_jobs_insert AFTER INSERT ON jobs_job REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION metrics_tally_jobs()",
    "CREATE TRIGGER metrics_tally_jobs_update AFTER UPDATE ON jobs_job "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_tally_jobs()",
    "CREATE TRIGGER metrics_tally_jobs_delete AFTER DELETE ON jobs_job REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION metrics_tally_jobs()",
    "CREATE TRIGGER metrics_retally_team_zone AFTER UPDATE OF timezone ON accounts_team FOR EACH ROW "
    "WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION metrics_retally_team()",
    "CREATE TRIGGER metrics_forget_team AFTER DELETE ON accounts_team FOR EACH ROW "
    "EXECUTE FUNCTION metrics_retally_team()",
    # The jobs already there.
    tally(f"SELECT {COLUMNS}, 1 AS delta FROM jobs_job"),
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS metrics_forget_team ON accounts_team",
    "DROP TRIGGER IF EXISTS metrics_retally_team_zone ON accounts_team",
    "DROP TRIGGER IF EXISTS metrics_tally_jobs_delete ON jobs_job",
    "DROP TRIGGER IF EXISTS metrics_tally_jobs_update ON jobs_job",
    "DROP TRIGGER IF EXISTS metrics_tally_jobs_insert ON jobs_job",
    "DROP FUNCTION IF EXISTS metrics_retally_team()",
    "DROP FUNCTION IF EXISTS metrics_tally_jobs()",
    "DROP FUNCTION IF EXISTS metrics_zone(text)",
    "DELETE FROM metrics_jobtally",
]


class Migration(migrations.Migration):

    dependencies = [("metrics", "0002_job_tally")]

    operations = [PostgresOnlyRunSQL(sql=FORWARD, reverse_sql=BACKWARD)]
