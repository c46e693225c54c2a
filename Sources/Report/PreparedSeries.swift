/// A point in axis units.
struct AxisPoint {
    var x: Double
    var y: Double
}

/// One x position of a band in axis units; `low` may be −∞, meaning the axis minimum.
struct BandPoint {
    var x: Double
    var low: Double
    var high: Double
}

/// A series reduced to the runs of consecutive plottable points; a skipped point breaks the line.
struct PreparedSeries {
    var name: String
    var color: String
    var dashed: Bool
    var hasBand: Bool
    var lineRuns: [[AxisPoint]]
    var bandRuns: [[BandPoint]]

    init(_ series: PlotSeries, color: String, transform: ValueTransform) {
        name = series.name
        self.color = color
        dashed = series.dashed
        hasBand = series.hasBand
        let xs = series.x
        let ys = series.y
        let count = min(xs.count, ys.count)
        lineRuns = Self.runs(count) { i in
            guard let x = ValueTransform.x(xs[i]), let y = transform.value(ys[i]) else { return nil }
            return AxisPoint(x: x, y: y)
        }
        if series.hasBand, let lower = series.lower, let upper = series.upper {
            let bandCount = min(xs.count, lower.count, upper.count)
            bandRuns = Self.runs(bandCount) { i in
                guard let x = ValueTransform.x(xs[i]),
                      let lo = transform.lowerEdge(lower[i]),
                      let hi = transform.value(upper[i]) else { return nil }
                return BandPoint(x: x, low: min(lo, hi), high: max(lo, hi))
            }
        } else {
            bandRuns = []
        }
    }

    /// Every point, line and band, for working out the axis ranges.
    var xValues: [Double] {
        lineRuns.joined().map(\.x) + bandRuns.joined().map(\.x)
    }

    /// Every finite y in axis units (band edges at −∞ excluded).
    var yValues: [Double] {
        let band = bandRuns.joined().flatMap { [$0.low, $0.high] }
        return (lineRuns.joined().map(\.y) + band).filter(\.isFinite)
    }

    /// Splits indices 0..<count into maximal runs where `point` is non-nil.
    private static func runs<T>(_ count: Int, _ point: (Int) -> T?) -> [[T]] {
        var result: [[T]] = []
        var current: [T] = []
        for i in 0..<max(count, 0) {
            if let p = point(i) {
                current.append(p)
            } else if !current.isEmpty {
                result.append(current)
                current = []
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
