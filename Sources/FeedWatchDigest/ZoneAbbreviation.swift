import Foundation
import Synchronization

/// Time zone abbreviations as the reader knows them ("CET", "CEST", "EST", "+0330"), read from
/// the system's zone database (TZif files), because Foundation on Linux only says "GMT+1".
///
/// The abbreviation is the one the zone file gives for the offset and daylight-saving state
/// Foundation computes for the moment, so no rule of the zone file's footer needs evaluating.
enum ZoneAbbreviation {
    /// One local time type of a zone file: its offset from UTC, whether it is summer time, its name.
    struct LocalTimeType: Hashable {
        var offset: Int
        var isDaylight: Bool
        var name: String
    }

    /// The local time types of each zone read so far (nil when the file could not be read).
    private static let cache = Mutex<[String: [LocalTimeType]?]>([:])

    /// The abbreviation of `zone` at `date`; nil when the zone file is missing or names no type
    /// for that offset.
    static func abbreviation(_ zone: TimeZone, at date: Date) -> String? {
        let offset = zone.secondsFromGMT(for: date)
        let daylight = zone.isDaylightSavingTime(for: date)
        let types = cache.withLock { cache -> [LocalTimeType]? in
            if let known = cache[zone.identifier] { return known }
            let read = localTimeTypes(of: zone.identifier)
            cache[zone.identifier] = read
            return read
        }
        guard let types else { return nil }
        // The latest type with this offset and state: earlier ones may be historical names.
        return types.last { $0.offset == offset && $0.isDaylight == daylight }?.name
            ?? types.last { $0.offset == offset }?.name
    }

    /// Reads the local time types of zone `identifier` from `$TZDIR` or /usr/share/zoneinfo.
    static func localTimeTypes(of identifier: String) -> [LocalTimeType]? {
        // Identifiers come from the configuration: no path tricks.
        guard !identifier.isEmpty, !identifier.contains(".."), !identifier.hasPrefix("/") else { return nil }
        let directory = ProcessInfo.processInfo.environment["TZDIR"] ?? "/usr/share/zoneinfo"
        guard let data = FileManager.default.contents(atPath: directory + "/" + identifier), data.count <= 1 << 20 else { return nil }
        return parse(Array(data))
    }

    /// The local time types of a TZif file (RFC 8536): the version 2+ block when there is one
    /// (slim files keep their data only there), else the version 1 block.
    static func parse(_ bytes: [UInt8]) -> [LocalTimeType]? {
        struct Header { var isut, isstd, leap, time, type, char: Int }
        func header(at offset: Int) -> Header? {
            guard offset + 44 <= bytes.count, bytes[offset..<offset + 4].elementsEqual("TZif".utf8) else { return nil }
            func count(_ i: Int) -> Int {
                let p = offset + 20 + i * 4
                return Int(bytes[p]) << 24 | Int(bytes[p + 1]) << 16 | Int(bytes[p + 2]) << 8 | Int(bytes[p + 3])
            }
            return Header(isut: count(0), isstd: count(1), leap: count(2), time: count(3), type: count(4), char: count(5))
        }
        func blockLength(_ h: Header, timeSize: Int) -> Int {
            h.time * timeSize + h.time + h.type * 6 + h.char + h.leap * (timeSize + 4) + h.isstd + h.isut
        }
        guard var h = header(at: 0) else { return nil }
        var start = 44
        var timeSize = 4
        if bytes[4] >= UInt8(ascii: "2") {
            let second = 44 + blockLength(h, timeSize: 4)
            guard let h2 = header(at: second) else { return nil }
            h = h2
            start = second + 44
            timeSize = 8
        }
        guard h.type > 0, start + blockLength(h, timeSize: timeSize) <= bytes.count else { return nil }
        let typesAt = start + h.time * timeSize + h.time
        let charsAt = typesAt + h.type * 6
        var types: [LocalTimeType] = []
        for i in 0..<h.type {
            let p = typesAt + i * 6
            let raw = UInt32(bytes[p]) << 24 | UInt32(bytes[p + 1]) << 16 | UInt32(bytes[p + 2]) << 8 | UInt32(bytes[p + 3])
            let index = Int(bytes[p + 5])
            guard index < h.char else { return nil }
            let end = bytes[(charsAt + index)..<(charsAt + h.char)].firstIndex(of: 0) ?? (charsAt + h.char)
            let name = String(decoding: bytes[(charsAt + index)..<end], as: UTF8.self)
            types.append(LocalTimeType(offset: Int(Int32(bitPattern: raw)), isDaylight: bytes[p + 4] != 0, name: name))
        }
        return types
    }
}
