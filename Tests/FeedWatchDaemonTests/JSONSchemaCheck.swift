import Foundation
import Testing

/// Checks a JSON value against one of the schemas in docs/schemas, for the parts of JSON
/// Schema those files use: type (one or several), required, properties,
/// additionalProperties: false, items, minimum, $ref (local and to a sibling file). Returns
/// every violation with its path, so a test shows what the command printed wrong.
struct JSONSchemaCheck {
    static let directory = FeedWatchBinary.repository.appendingPathComponent("docs/schemas")

    let file: String
    private let schema: [String: Any]

    init(_ file: String) throws {
        self.file = file
        let data = try Data(contentsOf: Self.directory.appendingPathComponent(file))
        schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The violations of the JSON text `text`.
    func violations(ofJSON text: String) throws -> [String] {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try check(value, schema, root: schema, path: "$")
    }

    private func resolve(_ reference: String, root: [String: Any]) throws -> ([String: Any], [String: Any]) {
        let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        var document = root
        if let name = parts.first, !name.isEmpty { document = try JSONSchemaCheck(String(name)).schema }
        var node: Any = document
        for key in (parts.count > 1 ? parts[1] : "").split(separator: "/") {
            node = (node as? [String: Any])?[String(key)] as Any
        }
        return (try #require(node as? [String: Any], "unresolved \(reference)"), document)
    }

    private func typeName(_ value: Any) -> String {
        if value is NSNull { return "null" }
        if let number = value as? NSNumber {
            let code = String(cString: number.objCType)
            if value is Bool && (code == "c" || code == "B") || type(of: value) == Bool.self { return "boolean" }
            return Double(number.int64Value) == number.doubleValue ? "integer" : "number"
        }
        if value is String { return "string" }
        if value is [Any] { return "array" }
        if value is [String: Any] { return "object" }
        return "unknown"
    }

    private func check(_ value: Any, _ schema: [String: Any], root: [String: Any], path: String) throws -> [String] {
        if let reference = schema["$ref"] as? String {
            let (target, document) = try resolve(reference, root: root)
            return try check(value, target, root: document, path: path)
        }
        var problems: [String] = []
        let actual = typeName(value)
        if let type = schema["type"] {
            let allowed = (type as? [String]) ?? [(type as? String) ?? ""]
            let ok = allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))
            if !ok { return ["\(path): \(actual), expected \(allowed.joined(separator: " or "))"] }
        }
        if let minimum = schema["minimum"] as? Double, let number = value as? NSNumber, number.doubleValue < minimum {
            problems.append("\(path): below \(minimum)")
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { problems.append("\(path): missing \(key)") }
            for (key, member) in object {
                if let property = properties[key] as? [String: Any] {
                    problems += try check(member, property, root: root, path: "\(path).\(key)")
                } else if schema["additionalProperties"] as? Bool == false {
                    problems.append("\(path): unexpected \(key)")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, element) in array.enumerated() { problems += try check(element, items, root: root, path: "\(path)[\(index)]") }
        }
        return problems
    }
}
