import Foundation
import GRDB
import GRDBSQLite
import Testing
@testable import FeedWatchStore

/// The refresh's per-row statements bind their values through SQLite's C API
/// (`SQLiteDirectWrite`): what they store is what GRDB's `execute(arguments:)` stores, and a
/// failure is SQLite's error, as GRDB would throw it.
@Suite struct SQLiteDirectWriteTests {
    static let texts = ["", "plain", "Ümit «nein» — 東京 🚀 \u{2028}", "quote ' and \"", String(repeating: "long ", count: 20_000)]

    @Test func boundValuesAreStoredAsGRDBStoresThem() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (way TEXT, i INTEGER, oi INTEGER, d REAL, od REAL, s TEXT, os TEXT)")
            let statement = try db.cachedStatement(sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)")
            for (n, text) in Self.texts.enumerated() {
                let optionalInteger: Int64? = n % 2 == 0 ? nil : -Int64(n) << 40
                let optionalDouble: Double? = n % 2 == 0 ? Double(n) / 3 : nil
                let optionalText: String? = n % 2 == 0 ? nil : text
                var row = SQLiteDirectWrite(statement, in: db)
                row.bind("direct")
                row.bind(Int64(n))
                row.bind(optionalInteger)
                row.bind(Double(n) + 0.25)
                row.bind(optionalDouble)
                row.bind(text)
                row.bind(optionalText)
                #expect(try row.execute() == 1)
                try statement.execute(arguments: [
                    "grdb", Int64(n), optionalInteger, Double(n) + 0.25, optionalDouble, text, optionalText,
                ])
            }
            let columns = "i, typeof(oi), oi, d, typeof(od), od, typeof(s), s, typeof(os), os"
            let direct = try Row.fetchAll(db, sql: "SELECT \(columns) FROM t WHERE way = 'direct' ORDER BY i")
            let grdb = try Row.fetchAll(db, sql: "SELECT \(columns) FROM t WHERE way = 'grdb' ORDER BY i")
            #expect(direct.count == Self.texts.count)
            #expect(direct == grdb)
            // An empty string is stored as text, not NULL.
            #expect(try String.fetchOne(db, sql: "SELECT typeof(s) FROM t WHERE way = 'direct' AND i = 0") == "text")
        }
    }

    @Test func utf8BytesAreStoredAsTheirString() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE w (n INTEGER, bytes TEXT, string TEXT)")
            let statement = try db.cachedStatement(sql: "INSERT INTO w VALUES (?, ?, ?)")
            for (n, text) in Self.texts.enumerated() {
                var row = SQLiteDirectWrite(statement, in: db)
                row.bind(n)
                row.bind(utf8: Array(text.utf8))
                row.bind(text)
                try row.execute()
            }
            let rows = try Row.fetchAll(db, sql: "SELECT typeof(bytes), bytes, string FROM w ORDER BY n")
            #expect(rows.map { $0[1] as String } == Self.texts)
            #expect(rows.allSatisfy { $0[0] == "text" && ($0[1] as String) == ($0[2] as String) })
        }
    }

    @Test func aFailureIsSQLitesErrorAndTheStatementRunsAgain() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE u (k TEXT NOT NULL UNIQUE)")
            let statement = try db.cachedStatement(sql: "INSERT INTO u (k) VALUES (?)")
            var first = SQLiteDirectWrite(statement, in: db)
            first.bind("a")
            try first.execute()
            var again = SQLiteDirectWrite(statement, in: db)
            again.bind("a")
            #expect {
                try again.execute()
            } throws: { error in
                guard let error = error as? DatabaseError else { return false }
                return error.resultCode == .SQLITE_CONSTRAINT && error.message?.contains("UNIQUE") == true && error.sql == statement.sql
            }
            var null = SQLiteDirectWrite(statement, in: db)
            null.bind(String?.none)
            #expect(throws: DatabaseError.self) { try null.execute() }
            var next = SQLiteDirectWrite(statement, in: db)
            next.bind("b")
            #expect(try next.execute() == 1)
            #expect(try String.fetchAll(db, sql: "SELECT k FROM u ORDER BY k") == ["a", "b"])
        }
    }
}


/// A value SQLite refuses to bind (a text over its length limit) fails the statement; it is
/// never run with the parameter's previous value.
@Suite struct SQLiteDirectWriteBindFailureTests {
    @Test func aTextOverTheLengthLimitIsAnErrorNotTheLastRowsValue() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE v (s TEXT)")
            let statement = try db.cachedStatement(sql: "INSERT INTO v (s) VALUES (?)")
            var first = SQLiteDirectWrite(statement, in: db)
            first.bind("short")
            try first.execute()
            _ = sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_LENGTH, 64)
            var long = SQLiteDirectWrite(statement, in: db)
            long.bind(String(repeating: "x", count: 100))
            #expect {
                try long.execute()
            } throws: { error in
                (error as? DatabaseError)?.resultCode == .SQLITE_TOOBIG
            }
            #expect(try String.fetchAll(db, sql: "SELECT s FROM v") == ["short"])
        }
    }
}
