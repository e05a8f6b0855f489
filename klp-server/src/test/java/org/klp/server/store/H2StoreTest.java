package org.klp.server.store;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.klp.server.TestServer;

class H2StoreTest extends StoreContract {

    static Database db;

    @BeforeAll
    static void open() {
        db = Database.h2(TestServer.tempDir("h2-store"));
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Override
    Database db() {
        return db;
    }
}
