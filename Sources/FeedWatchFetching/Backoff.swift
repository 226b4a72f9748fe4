/// Delays between attempts after consecutive failures.
public enum Backoff {
    /// `base · 2^(n−1)` seconds, spread by ±`jitter` (a fraction) using `random` in 0..<1, never above `cap`.
    ///
    /// `n` ≤ 0 means no failure yet: 0. The cap (default 24 h) keeps a broken feed probed at least daily.
    public static func delay(
        afterFailures n: Int, base: Double = 60, cap: Double = 86400, jitter: Double = 0.1, random: Double
    ) -> Double {
        guard n > 0, base > 0, cap > 0 else { return 0 }
        let exponent = Double(min(n - 1, 64))
        let raw = min(base * pow2(exponent), cap)
        let spread = min(max(jitter, 0), 1)
        let unit = min(max(random.isFinite ? random : 0.5, 0), 1)
        let jittered = raw * (1 + spread * (2 * unit - 1))
        return min(max(jittered, 0), cap)
    }

    private static func pow2(_ exponent: Double) -> Double {
        var result = 1.0
        var remaining = Int(exponent)
        while remaining > 0 {
            result *= 2
            remaining -= 1
        }
        return result
    }
}
