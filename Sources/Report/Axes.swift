import Foundation

// Axes: linear and log scales, tick positions and their labels.

/// A labelled position on an axis, in axis units.
struct Tick {
    var value: Double
    var label: String
}

/// An axis range in axis units with its major (labelled) and minor ticks.
struct AxisScale {
    var lo: Double
    var hi: Double
    var ticks: [Tick]
    var minorTicks: [Double]

    /// Position of `v` along the axis as a fraction of its length; −∞ (a clamped band edge) maps to 0.
    func fraction(_ v: Double) -> Double {
        if v == -.infinity { return 0 }
        let span = hi - lo
        guard span > 0, span.isFinite, v.isFinite else { return 0 }
        return (v - lo) / span
    }
}

/// Maps data values to axis units (identity, or log10 on a log axis) and decides what is plottable.
struct ValueTransform {
    let logarithmic: Bool

    /// Axis units of a line value or upper band edge, or nil when it cannot be drawn.
    func value(_ v: Double) -> Double? {
        guard v.isFinite else { return nil }
        if logarithmic { return v > 0 ? log10(v) : nil }
        return v
    }

    /// Axis units of a lower band edge; on a log axis an edge ≤ 0 becomes −∞, meaning "the axis minimum".
    func lowerEdge(_ v: Double) -> Double? {
        if logarithmic, v <= 0 { return -.infinity }
        return value(v)
    }

    /// Axis units of an x value (x is always linear).
    static func x(_ v: Double) -> Double? {
        v.isFinite ? v : nil
    }
}

/// Linear axes with "nice" ticks at multiples of 1, 2 or 5 × 10^k.
enum LinearTicks {
    /// Most ticks ever generated, whatever the input.
    private static let tickLimit = 1000

    /// An axis covering `minValue...maxValue` with about `target` intervals, extended to whole ticks.
    /// A zero-width range is widened around its value; a range too wide for Double throws.
    static func scale(min minValue: Double, max maxValue: Double, target: Int) throws -> AxisScale {
        let (lo, hi) = try widened(minValue, maxValue)
        guard let step = niceStep((hi - lo) / Double(max(target, 1))) else {
            return fallback(lo, hi)
        }
        let first = floor(lo / step) * step
        let last = ceil(hi / step) * step
        let intervals = ((last - first) / step).rounded()
        guard first.isFinite, last.isFinite, last > first, intervals.isFinite,
              intervals >= 1, intervals <= Double(tickLimit) else {
            return fallback(lo, hi)
        }
        let largest = max(abs(first), abs(last))
        let ticks = (0...Int(intervals)).map { i -> Tick in
            var v = first + Double(i) * step
            if abs(v) < step * 1e-9 { v = 0 }
            return Tick(value: v, label: NumberFormatting.linearTick(v, step: step, largest: largest))
        }
        return AxisScale(lo: first, hi: last, ticks: ticks, minorTicks: [])
    }

    /// The 1, 2, 5 or 10 × 10^k closest to `raw` (on a roughly logarithmic scale), or nil if there is none.
    static func niceStep(_ raw: Double) -> Double? {
        guard raw.isFinite, raw > 0 else { return nil }
        let base = pow(10, floor(log10(raw)))
        guard base.isFinite, base > 0 else { return nil }
        let fraction = raw / base
        let multiplier: Double = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        let step = multiplier * base
        return step.isFinite && step > 0 ? step : nil
    }

    /// Makes a range of positive width; a (near) constant range becomes value ± 10% (or ± 1 around zero).
    private static func widened(_ a: Double, _ b: Double) throws -> (Double, Double) {
        let lo = min(a, b), hi = max(a, b)
        guard (hi - lo).isFinite else {
            throw ReportError("data range \(lo) … \(hi) is too wide to plot")
        }
        let magnitude = max(abs(lo), abs(hi))
        if hi - lo > magnitude * 1e-12 { return (lo, hi) }
        let center = lo / 2 + hi / 2
        var pad = abs(center) * 0.1
        if !(pad >= 1e-300) { pad = 1 }
        let (newLo, newHi) = (center - pad, center + pad)
        guard newLo.isFinite, newHi.isFinite, newHi > newLo else {
            throw ReportError("cannot make an axis range around the value \(center)")
        }
        return (newLo, newHi)
    }

    /// Plain end ticks, used when no nice step fits in floating point.
    private static func fallback(_ lo: Double, _ hi: Double) -> AxisScale {
        AxisScale(lo: lo, hi: hi,
                  ticks: [Tick(value: lo, label: NumberFormatting.compact(lo)),
                          Tick(value: hi, label: NumberFormatting.compact(hi))],
                  minorTicks: [])
    }
}

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

/// Deterministic number-to-text conversion for coordinates and tick labels.
public enum NumberFormatting {
    /// Largest coordinate magnitude written; keeps output short and valid for absurd sizes.
    private static let coordinateLimit = 1.0e9

    /// A coordinate with two decimals; non-finite values become 0 and huge ones are clamped.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let clamped = min(max(value, -coordinateLimit), coordinateLimit)
        return fixed(clamped, decimals: 2)
    }

    /// `value` with exactly `decimals` digits after the point, never "-0".
    public static func fixed(_ value: Double, decimals: Int) -> String {
        let d = min(max(decimals, 0), 15)
        return dropNegativeZero(fastFixed(value, decimals: d) ?? String(format: "%.\(d)f", value))
    }

    private static let powersOfTen: [Double] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6]

    /// printf's "%.Nf" without printf (a chart writes thousands of coordinates; Foundation's
    /// formatting was a tenth of a sweep's report): value × 10ᴺ rounded, when that product is
    /// far enough from a tie that rounding it gives what rounding the exact value gives; nil
    /// otherwise (printf decides).
    private static func fastFixed(_ value: Double, decimals d: Int) -> String? {
        guard d < powersOfTen.count, value.isFinite, abs(value) < 1e9 else { return nil }
        let scaled = abs(value) * powersOfTen[d], r = scaled.rounded()
        guard abs(abs(scaled - r) - 0.5) > 4 * scaled.ulp else { return nil }
        var digits = String(UInt64(r))
        if d > 0 {
            if digits.count <= d { digits = String(repeating: "0", count: d + 1 - digits.count) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -d))
        }
        return value.sign == .minus ? "-" + digits : digits
    }

    /// A label for a linear-axis tick at `value` on an axis whose ticks are `step` apart.
    static func linearTick(_ value: Double, step: Double, largest: Double) -> String {
        guard value.isFinite else { return "" }
        guard step.isFinite, step > 0 else { return compact(value) }
        let stepExponent = Int(floor(log10(step)))
        let decimals = max(0, -stepExponent)
        let big = largest.isFinite && largest >= 1.0e6
        if big || decimals > 4 {
            let largestExponent = largest.isFinite && largest > 0 ? Int(floor(log10(largest))) : stepExponent
            let digits = min(max(largestExponent - stepExponent + 1, 1), 15)
            return scientific(value, significantDigits: digits)
        }
        return fixed(value, decimals: decimals)
    }

    /// A power of ten written as "10" followed by a superscript exponent, e.g. 10⁻³.
    static func powerOfTen(_ exponent: Int) -> String {
        "10" + superscript(String(exponent))
    }

    /// Short general formatting used when no step is known.
    static func compact(_ value: Double) -> String {
        scientific(value, significantDigits: 6)
    }

    /// `%g`-style text with a tidy exponent ("1.5e6", "2e-5").
    private static func scientific(_ value: Double, significantDigits: Int) -> String {
        let raw = String(format: "%.\(significantDigits)g", value)
        guard let eIndex = raw.firstIndex(of: "e") else { return dropNegativeZero(raw) }
        let mantissa = String(raw[raw.startIndex..<eIndex])
        var exponent = String(raw[raw.index(after: eIndex)...])
        var sign = ""
        if exponent.hasPrefix("-") { sign = "-" }
        exponent = String(exponent.drop { $0 == "+" || $0 == "-" || $0 == "0" })
        if exponent.isEmpty { exponent = "0" }
        return mantissa + "e" + sign + exponent
    }

    private static func dropNegativeZero(_ text: String) -> String {
        guard text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) else { return text }
        return String(text.dropFirst())
    }

    private static func superscript(_ text: String) -> String {
        let map: [Character: Character] = [
            "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴",
            "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻",
        ]
        return String(text.map { map[$0] ?? $0 })
    }
}
