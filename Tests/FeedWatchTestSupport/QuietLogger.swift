import Logging

/// A logger for code under test that only lets critical messages through: the tests assert
/// on behaviour, and the daemon's notices would bury the test output.
public let quietLogger: Logger = {
    var logger = Logger(label: "feedwatch-test")
    logger.logLevel = .critical
    return logger
}()
