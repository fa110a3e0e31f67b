//! Raw SQL on a test's database, for what no store API should offer: corrupting rows, reading
//! columns as stored, checking triggers. A second connection to the file (the store keeps its
//! own private), with the settings the store's connection has.

use refract::store::Store;

/// A new connection to `store`'s file.
pub fn sql_on(store: &Store) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .unwrap();
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    conn
}
