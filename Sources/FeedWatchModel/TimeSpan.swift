/// A length of time written the way a config file writes it: `45s`, `15m`, `2h`, `1d`.
public struct TimeSpan: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The length in whole seconds.
    public var seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    public static func minutes(_ m: Int64) -> TimeSpan { TimeSpan(seconds: m * 60) }
    public static func hours(_ h: Int64) -> TimeSpan { TimeSpan(seconds: h * 3600) }

    /// Parses `<number><unit>` with unit `s`, `m`, `h` or `d`, or several such parts (`1h30m`).
    /// Returns nil for anything else (`15x`, `-5m`, empty, overflow).
    public init?(parsing text: String) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        var total: Int64 = 0
        var index = 0
        while index < bytes.count {
            var value: Int64 = 0
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[index] - 0x30))
                guard !o1, !o2 else { return nil }
                value = a
                index += 1
            }
            guard index > start, index < bytes.count else { return nil }
            let unit: Int64
            switch bytes[index] {
            case UInt8(ascii: "s"): unit = 1
            case UInt8(ascii: "m"): unit = 60
            case UInt8(ascii: "h"): unit = 3600
            case UInt8(ascii: "d"): unit = 86400
            default: return nil
            }
            index += 1
            let (part, o3) = value.multipliedReportingOverflow(by: unit)
            let (sum, o4) = total.addingReportingOverflow(part)
            guard !o3, !o4 else { return nil }
            total = sum
        }
        self.seconds = total
    }

    public var timeInterval: Double { Double(seconds) }

    public var description: String {
        if seconds != 0 && seconds % 86400 == 0 { return "\(seconds / 86400)d" }
        if seconds != 0 && seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds != 0 && seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.seconds < rhs.seconds }
}
