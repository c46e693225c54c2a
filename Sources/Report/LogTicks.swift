import Foundation

/// Logarithmic axes in units of log10: ticks at powers of ten, minor ticks at 2…9 × 10^k on short ranges.
enum LogTicks {
    /// Ranges of at most this many decades get minor ticks.
    private static let minorDecadeLimit = 6

    /// An axis covering exponents `minExponent...maxExponent` plus a 4% margin, labelling about `target`
    /// powers of ten; when fewer than two powers of ten would be inside, it extends to whole decades.
    static func scale(minExponent: Double, maxExponent: Double, target: Int) -> AxisScale {
        guard minExponent.isFinite, maxExponent.isFinite else {
            return AxisScale(lo: 0, hi: 1, ticks: [], minorTicks: [])
        }
        let (a, b) = (min(minExponent, maxExponent), max(minExponent, maxExponent))
        let margin = (b - a) * 0.04
        var (axisLo, axisHi) = (a - margin, b + margin)
        // log10 of a finite positive Double lies within about ±330, so these conversions are safe.
        var lo = Int(ceil(axisLo))
        var hi = Int(floor(axisHi))
        if hi - lo < 1 {
            lo = Int(floor(a))
            hi = Int(ceil(b))
            if hi == lo {
                lo -= 1
                hi += 1
            }
            (axisLo, axisHi) = (Double(lo), Double(hi))
        }
        let decades = hi - lo
        let stride = max(1, Int((Double(decades) / Double(max(target, 1))).rounded(.up)))
        var ticks: [Tick] = []
        var minor: [Double] = []
        for e in lo...hi {
            if ((e % stride) + stride) % stride == 0 {
                ticks.append(Tick(value: Double(e), label: NumberFormatting.powerOfTen(e)))
            } else if decades <= 40 {
                minor.append(Double(e))
            }
        }
        if decades <= minorDecadeLimit {
            for e in (lo - 1)...hi {
                for m in 2...9 {
                    let v = Double(e) + log10(Double(m))
                    if v >= axisLo && v <= axisHi { minor.append(v) }
                }
            }
        }
        return AxisScale(lo: axisLo, hi: axisHi, ticks: ticks, minorTicks: minor)
    }
}
