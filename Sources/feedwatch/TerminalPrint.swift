/// Every line the command line prints goes through here (this module's `print` shadows the
/// standard library's): feed titles, links, snippets, errors and digests come from hostile
/// feeds, and a control character in them (`&#27;` decodes to ESC) must reach the terminal as
/// visible text (`\x1B`), never as an escape sequence. Line feeds and tabs pass.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Swift.print(Terminal.safe(items.map { "\($0)" }.joined(separator: separator)), terminator: terminator)
}
