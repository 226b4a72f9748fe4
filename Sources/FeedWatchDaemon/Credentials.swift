import Foundation
import FeedWatchModel

/// Secrets passed as systemd credentials (`LoadCredential=NAME` in the unit, read from
/// `$CREDENTIALS_DIRECTORY/NAME`): the way a service running as an unprivileged user reads a
/// root-only secret without the file ever being readable by that user on disk.
///
/// Outside the service (`feedwatch check` from a shell) there is no `$CREDENTIALS_DIRECTORY`;
/// the credential is then looked up where `LoadCredential=NAME` without a path loads it from,
/// so `check` sees what the service will see.
enum Credentials {
    /// Where systemd looks for `LoadCredential=NAME` when no path is given (systemd.exec(5)).
    static let storeDirectories = ["/etc/credstore", "/run/credstore", "/usr/lib/credstore"]

    /// The file that holds credential `name`, or why there is none. The message names the
    /// credential and what to do, never the secret.
    static func locate(_ name: String, environment: [String: String]) -> Result<String, CredentialProblem> {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.containsControlCharacters else {
            return .failure(CredentialProblem("\"\(name)\" is not a credential name (no /, not empty)"))
        }
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            let path = directory + "/" + name
            guard FileManager.default.fileExists(atPath: path) else {
                return .failure(CredentialProblem(
                    "credential \(name) is missing: add LoadCredential=\(name) to the unit (systemctl edit feedwatch) "
                        + "and put the secret in /etc/credstore/\(name)"))
            }
            return .success(path)
        }
        for directory in storeDirectories {
            let path = directory + "/" + name
            if FileManager.default.fileExists(atPath: path) { return .success(path) }
        }
        return .failure(CredentialProblem(
            "credential \(name) is missing: not in \(storeDirectories.joined(separator: ", ")) "
                + "(and $CREDENTIALS_DIRECTORY, which systemd sets for LoadCredential=, is not set)"))
    }

    /// The secret held by credential `name`, without the trailing newline editors and `echo` add.
    static func read(_ name: String, environment: [String: String]) -> Result<String, CredentialProblem> {
        let path: String
        switch locate(name, environment: environment) {
        case .success(let found): path = found
        case .failure(let problem): return .failure(problem)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(CredentialProblem(
                "credential \(name): cannot read \(path) (root-only files: run feedwatch check as root)"))
        }
        let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        guard !value.isEmpty else { return .failure(CredentialProblem("credential \(name): \(path) is empty")) }
        return .success(value)
    }
}

/// Why a credential could not be had, in words for `feedwatch check`.
struct CredentialProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
