import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Whether a `sendmail` program can deliver from inside the shipped unit. The unit sets
/// `NoNewPrivileges=yes`, under which the kernel ignores setuid and setgid bits: Postfix's
/// sendmail hands each message to the setgid `postdrop`, Exim's sendmail is setuid root, and
/// both then fail at every delivery. Refusing such a program when the configuration is
/// checked says so once, with the alternative, instead of a failed delivery a day.
enum SendmailPrivileges {
    /// Postfix's queue-writing helper; setgid `postdrop` on Debian.
    static let postdrop = "/usr/sbin/postdrop"

    /// Why `program` cannot deliver under `NoNewPrivileges=yes`, or nil when it can.
    static func problem(program: String) -> String? {
        let resolved = realpath(program, nil).map { pointer -> String in
            defer { free(pointer) }
            return String(cString: pointer)
        } ?? program
        let alternative = "use url = \"smtp://localhost:25\" with tls = \"none\" instead (the local MTA listens there on Debian)"
        if privileged(resolved) {
            return "\(program) is setuid or setgid, which cannot work under the unit's NoNewPrivileges=yes; \(alternative)"
        }
        // Postfix's sendmail is an ordinary binary that runs the setgid postdrop.
        if resolved == "/usr/sbin/sendmail", privileged(postdrop) {
            return "\(program) is Postfix's sendmail, which hands mail to the setgid \(postdrop) and so cannot work under "
                + "the unit's NoNewPrivileges=yes; \(alternative)"
        }
        return nil
    }

    private static func privileged(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_mode & (S_ISUID | S_ISGID) != 0
    }
}
