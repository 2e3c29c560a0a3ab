//! Leases on PostgreSQL: the `leases` table, shared by every node of the database. Taking one
//! is a single upsert whose `WHERE` lets it through only for a free or expired lease or the
//! asker's own, so two nodes asking at once cannot both win (the row lock orders them).

use std::time::Duration;

use jiff::Timestamp;

use super::{PgStore, Prepared};
use crate::store::leases::{Lease, span};
use crate::store::{Leases, StoreError};
use crate::time::{from_db, to_db};

impl Leases for PgStore {
    fn try_lease(
        &mut self,
        name: &str,
        node: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let (now, expires_at) = span(now, ttl);
        // Times are fixed-width UTC text, so they compare in order as text.
        let row = self.client().query_opt_prepared(
            "INSERT INTO leases (name, node, acquired_at, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET
                 node = excluded.node,
                 acquired_at = CASE WHEN leases.node = excluded.node AND leases.expires_at >= $3
                                    THEN leases.acquired_at ELSE excluded.acquired_at END,
                 expires_at = excluded.expires_at
             WHERE leases.node = excluded.node OR leases.expires_at < $3
             RETURNING name, node, acquired_at, expires_at",
            &[&name, &node, &to_db(now), &to_db(expires_at)],
        )?;
        row.map(|r| lease(&r)).transpose()
    }

    fn release(&mut self, name: &str, node: &str) -> Result<bool, StoreError> {
        let n = self.client().execute_prepared(
            "DELETE FROM leases WHERE name = $1 AND node = $2",
            &[&name, &node],
        )?;
        Ok(n > 0)
    }

    fn leases(&self) -> Result<Vec<Lease>, StoreError> {
        let rows = self.client().query_prepared(
            "SELECT name, node, acquired_at, expires_at FROM leases ORDER BY name COLLATE \"C\"",
            &[],
        )?;
        rows.iter().map(lease).collect()
    }
}

fn lease(r: &r2d2_postgres::postgres::Row) -> Result<Lease, StoreError> {
    let time = |i: usize| {
        let text: String = r.get(i);
        from_db(&text).ok_or_else(|| StoreError::Postgres(format!("waktu sewa tidak sah: {text}")))
    };
    Ok(Lease {
        name: r.get(0),
        node: r.get(1),
        acquired_at: time(2)?,
        expires_at: time(3)?,
    })
}
