import GRDB
internal import GRDBSQLite

/// Runs a cached write statement (`Database.cachedStatement`) with its values bound through
/// SQLite's C API. For the statements a refresh runs once per entry or match, GRDB's
/// `execute(arguments:)` (values boxed in an array, checked against the statement, bound
/// through nested closures, a journey through its observers before and after) cost about a
/// quarter as much as SQLite's own work on the row. The statement must change rows and return
/// none (an `INSERT` or `UPDATE` without `RETURNING`), run inside a transaction GRDB opened:
/// such a statement starts or ends nothing GRDB keeps track of.
struct SQLiteDirectWrite {
    private let statement: Statement
    private let handle: OpaquePointer
    private let connection: OpaquePointer
    private var index: Int32 = 0
    /// The first code a `bind` returned other than `SQLITE_OK` (a text over SQLite's length
    /// limit): `execute` throws it rather than run with that parameter's previous value.
    private var bindFailure: Int32 = SQLITE_OK

    /// `statement`, bound from the first parameter on by the `bind` calls that follow.
    init(_ statement: Statement, in db: Database) {
        self.statement = statement
        handle = statement.sqliteStatement
        guard let connection = db.sqliteConnection else { preconditionFailure("a statement of a closed database") }
        self.connection = connection
        // GRDB leaves a statement it ran at its end, where SQLite refuses new bindings.
        sqlite3_reset(handle)
    }

    private mutating func note(_ code: Int32) {
        if code != SQLITE_OK, bindFailure == SQLITE_OK { bindFailure = code }
    }

    /// SQLite's "copy this text now": the bound strings need not outlive the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    mutating func bind(_ value: Int64) {
        index += 1
        note(sqlite3_bind_int64(handle, index, value))
    }

    mutating func bind(_ value: Int64?) {
        guard let value else { return bindNull() }
        bind(value)
    }

    mutating func bind(_ value: Int) { bind(Int64(value)) }

    mutating func bind(_ value: Int?) { bind(value.map(Int64.init)) }

    mutating func bind(_ value: Double) {
        index += 1
        note(sqlite3_bind_double(handle, index, value))
    }

    mutating func bind(_ value: Double?) {
        guard let value else { return bindNull() }
        bind(value)
    }

    mutating func bind(_ value: String?) {
        guard var value else { return bindNull() }
        value.withUTF8 { bindText($0) }
    }

    /// Binds `utf8`, which must be valid UTF-8, as text (what `bind(String)` binds for the
    /// string of those bytes).
    mutating func bind(utf8 bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { bindText($0) }
    }

    private mutating func bindText(_ utf8: UnsafeBufferPointer<UInt8>) {
        index += 1
        let index = index
        let handle = handle
        let code: Int32
        if let bytes = utf8.baseAddress, !utf8.isEmpty {
            code = bytes.withMemoryRebound(to: CChar.self, capacity: utf8.count) { text in
                sqlite3_bind_text64(handle, index, text, UInt64(utf8.count), Self.transient, UInt8(SQLITE_UTF8))
            }
        } else {
            // "" and not NULL: a null pointer would bind NULL.
            code = sqlite3_bind_text64(handle, index, "", 0, Self.transient, UInt8(SQLITE_UTF8))
        }
        note(code)
    }

    private mutating func bindNull() {
        index += 1
        note(sqlite3_bind_null(handle, index))
    }

    /// Runs the statement; throws SQLite's error (a `DatabaseError`, as GRDB's would be).
    /// Returns how many rows it changed.
    @discardableResult
    mutating func execute() throws -> Int {
        precondition(index == sqlite3_bind_parameter_count(handle), "\(statement.sql): \(index) values bound")
        guard bindFailure == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: bindFailure), message: "a value could not be bound", sql: statement.sql)
        }
        let code = sqlite3_step(handle)
        defer { sqlite3_reset(handle) }
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(connection))
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
        return Int(sqlite3_changes(connection))
    }
}
