package org.klp.server.store;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class PostgresStoreTest extends StoreContract {

    static Postgres pg;
    static Database db;

    @BeforeAll
    static void open() throws Exception {
        pg = Postgres.start();
        db = pg.newDatabase("klp_store");
    }

    @AfterAll
    static void close() throws Exception {
        if (db != null) {
            db.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Override
    Database db() {
        return db;
    }
}
