import Foundation

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
